"""The `zoo` command. Thin: parse, call the library, print. Heavy imports stay inside commands."""

from __future__ import annotations

import sys
from typing import Any

import click

from ganzoo import __version__
from ganzoo.errors import ZooError


class ZooGroup(click.Group):
    """Turns `ZooError` into one line on stderr and exit status 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ZooError as err:
            click.echo(f"zoo: error: {err}", err=True)
            sys.exit(err.exit_code)


@click.group(cls=ZooGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gan-zoo")
def cli() -> None:
    """gan-zoo: browse the A-to-Z of GANs, train, sample and evaluate them.

    Shell completion: eval "$(_ZOO_COMPLETE=bash_source zoo)" (zsh_source, fish_source).
    """


def main() -> None:
    cli(prog_name="zoo")


from ganzoo.cli import (  # noqa: E402, F401  (registers the commands)
    catalogue_commands,
    eval_commands,
    hub_commands,
    plugin_commands,
    run_commands,
)
