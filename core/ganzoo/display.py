"""Tables and messages: rich on a terminal, plain aligned text when piped. No torch."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence


def interactive() -> bool:
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


def print_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    if interactive():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, show_lines=False, header_style="bold")
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*row)
        Console().print(table)
        return
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(columns)]
    if title:
        print(title)
    lines = [columns, *rows]
    for line in lines:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(line)]
        print("  ".join(cells).rstrip())


def print_fields(pairs: Sequence[tuple[str, str]]) -> None:
    width = max(len(k) for k, _ in pairs)
    for key, value in pairs:
        print(f"{key.rjust(width)}  {value}")
