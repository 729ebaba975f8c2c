"""What `zoo list` shows: catalogue entries joined with installed variant plugins. No torch."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

from ganzoo.catalogue import LETTERS, Catalogue, Entry
from ganzoo.plugins import FailureLog, PluginRef, discover, looks_broken

STATUSES = ("built-in", "installed", "catalogued", "broken")


@dataclass(frozen=True)
class Row:
    id: str
    name: str
    aliases: list[str]
    letter: str
    year: int | None
    title: str
    arxiv: str | None
    featured: bool
    status: str
    implementation: str | None
    verified: bool
    error: str | None = None

    def as_json(self) -> dict:
        return asdict(self)


def _status(ref: PluginRef | None, failures: dict[str, str]) -> tuple[str, str | None]:
    if ref is None:
        return "catalogued", None
    error = looks_broken(ref, failures)
    if error:
        return "broken", error
    return ("built-in" if ref.builtin else "installed"), None


def _letter_of(name: str) -> str:
    first = name[:1].upper()
    return first if "A" <= first <= "Z" else "#"


def rows(catalogue: Catalogue) -> list[Row]:
    """Every catalogue entry with its status, then installed variants the catalogue lacks."""
    variants, _ = discover("variant")
    failures = FailureLog().read()
    out: list[Row] = []
    covered: set[str] = set()
    for entry in catalogue.entries:
        implementation = entry.implementation
        if implementation is None and entry.id in variants:
            implementation = entry.id
        ref = variants.get(implementation) if implementation else None
        status, error = _status(ref, failures)
        if ref is not None:
            covered.add(ref.id)
        out.append(_row(entry, status, implementation if ref else entry.implementation, error))
    for plugin_id, ref in sorted(variants.items()):
        if plugin_id in covered:
            continue
        status, error = _status(ref, failures)
        out.append(
            Row(
                id=plugin_id,
                name=plugin_id,
                aliases=[],
                letter=_letter_of(plugin_id),
                year=None,
                title=f"(not in the catalogue; unverified plugin from {ref.distribution})",
                arxiv=None,
                featured=False,
                status=status,
                implementation=plugin_id,
                verified=False,
                error=error,
            )
        )
    return out


def _row(entry: Entry, status: str, implementation: str | None, error: str | None) -> Row:
    return Row(
        id=entry.id,
        name=entry.name,
        aliases=list(entry.aliases),
        letter=entry.letter,
        year=entry.year,
        title=entry.title,
        arxiv=entry.arxiv,
        featured=entry.featured,
        status=status,
        implementation=implementation,
        verified=True,
        error=error,
    )


def filter_rows(
    all_rows: list[Row], letter: str | None, implemented: bool, search: str | None
) -> list[Row]:
    selected = all_rows
    if letter:
        selected = [r for r in selected if r.letter == letter.upper()]
    if implemented:
        selected = [r for r in selected if r.status != "catalogued"]
    if search:
        needle = search.casefold()
        selected = [
            r
            for r in selected
            if needle in " ".join([r.id, r.name, r.title, *r.aliases]).casefold()
        ]
    return selected


@dataclass(frozen=True)
class LetterRow:
    letter: str
    featured: list[str]
    count: int
    implemented: list[str]
    note: str | None

    @property
    def free(self) -> bool:
        return not self.featured


def a_to_z(catalogue: Catalogue, all_rows: list[Row]) -> list[LetterRow]:
    """The lecture's A-to-Z game: featured names per letter, free letters shown as free."""
    view = []
    by_id = {r.id: r for r in all_rows}
    for letter in LETTERS:
        in_letter = [r for r in all_rows if r.letter == letter]
        names = Counter(by_id[i].name for i in catalogue.a_to_z.get(letter, ()))
        featured = [n if k == 1 else f"{n} (x{k})" for n, k in names.items()]
        implemented = [
            r.name if r.status != "broken" else f"{r.name} (broken)"
            for r in in_letter
            if r.status != "catalogued"
        ]
        view.append(
            LetterRow(
                letter=letter,
                featured=featured,
                count=sum(1 for r in in_letter if r.verified),
                implemented=implemented,
                note=catalogue.letters.get(letter),
            )
        )
    return view
