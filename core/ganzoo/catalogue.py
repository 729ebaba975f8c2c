"""The A-to-Z catalogue: `registry.json` and its schema. Pure data, no torch.

The catalogue is data that grows (the zoo went from 300 to 360 GANs in one course) and names
collide (five SGANs), so entries are keyed by a unique `id`; names stay as published.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import string
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ganzoo.errors import CatalogueError, UnknownNameError

LETTERS: tuple[str, ...] = (*string.ascii_uppercase, "#")
Letter = Literal[
    "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M",
    "N", "O", "P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z", "#",
]  # fmt: skip

SCHEMA_VERSION = 1
REGISTRY_ENV = "GANZOO_REGISTRY"


class WeightsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    path: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Weights(BaseModel):
    """Pretrained weights on the Hugging Face Hub, pinned to a commit, every file hashed."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    repo_id: str = Field(pattern=r"^[\w.\-]+/[\w.\-]+$")
    revision: str = Field(pattern=r"^[0-9a-f]{40}$")
    files: tuple[WeightsFile, ...]


class Entry(BaseModel):
    """One GAN paper of the catalogue."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]*$")
    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    letter: Letter
    title: str
    year: int | None = Field(default=None, ge=1990, le=2100)
    month: int | None = Field(default=None, ge=1, le=12)
    arxiv: str | None = Field(default=None, pattern=r"^\d{4}\.\d{4,5}$")
    url: str | None = None
    code: str | None = None
    featured: bool = False
    implementation: str | None = None
    distribution: str | None = None
    weights: tuple[Weights, ...] = ()


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    author: str
    license: str
    year: int
    url: str
    file: str


class Catalogue(BaseModel):
    """The whole of `registry.json`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    schema_version: Literal[1]
    source: Source
    letters: dict[str, str] = {}
    a_to_z: dict[Letter, tuple[str, ...]] = {}
    entries: tuple[Entry, ...]

    @model_validator(mode="after")
    def _ids_unique(self) -> Catalogue:
        seen: dict[str, int] = {}
        for index, entry in enumerate(self.entries):
            if entry.id in seen:
                raise ValueError(
                    f"entry {index} repeats id {entry.id!r} (first used by entry {seen[entry.id]})"
                )
            seen[entry.id] = index
        for letter, ids in self.a_to_z.items():
            missing = [i for i in ids if i not in seen]
            if missing:
                raise ValueError(f"a_to_z letter {letter} names unknown ids {missing}")
        return self

    @cached_property
    def index(self) -> NameIndex:
        return NameIndex(self.entries)

    def resolve(self, name: str) -> Entry:
        return self.index.resolve(name)

    def by_letter(self) -> dict[str, list[Entry]]:
        groups: dict[str, list[Entry]] = {letter: [] for letter in LETTERS}
        for entry in self.entries:
            groups[entry.letter].append(entry)
        return groups


def normalise(name: str) -> str:
    """Look-up key: case, spaces, hyphens and underscores do not matter ("AC-GAN" == "acgan")."""
    return re.sub(r"[\s\-_]+", "", name.casefold())


@dataclass(frozen=True)
class NameIndex:
    """Resolves ids, hand-kept aliases and published names, in that order of precedence."""

    entries: tuple[Entry, ...]

    @cached_property
    def _by_id(self) -> dict[str, Entry]:
        return {entry.id: entry for entry in self.entries}

    @cached_property
    def _by_alias(self) -> dict[str, list[Entry]]:
        table: dict[str, list[Entry]] = {}
        for entry in self.entries:
            for key in {normalise(alias) for alias in entry.aliases}:
                table.setdefault(key, []).append(entry)
        return table

    @cached_property
    def _by_name(self) -> dict[str, list[Entry]]:
        table: dict[str, list[Entry]] = {}
        for entry in self.entries:
            table.setdefault(normalise(entry.name), []).append(entry)
        return table

    def namesakes(self, entry: Entry) -> list[Entry]:
        """Other entries published under the same name (the four SGANs problem)."""
        return [e for e in self._by_name.get(normalise(entry.name), []) if e.id != entry.id]

    def resolve(self, name: str) -> Entry:
        key = name.strip().casefold()
        if key in self._by_id:
            return self._by_id[key]
        for table in (self._by_alias, self._by_name):
            found = table.get(normalise(name), [])
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                choices = ", ".join(f"{e.id} ({e.year}: {e.title[:40]})" for e in found)
                raise UnknownNameError(
                    f"{name!r} names {len(found)} catalogue entries; use an id: {choices}"
                )
        raise UnknownNameError(f"no GAN named {name!r} in the catalogue{self.suggest(name)}")

    def suggest(self, name: str) -> str:
        keys = {normalise(e.name): e.id for e in self.entries} | {i: i for i in self._by_id}
        close = difflib.get_close_matches(normalise(name), list(keys), n=4, cutoff=0.7)
        ids = list(dict.fromkeys(keys[k] for k in close))
        return f"; did you mean {', '.join(ids)}?" if ids else ""


def registry_path() -> Path:
    override = os.environ.get(REGISTRY_ENV)
    if override:
        return Path(override)
    return Path(__file__).with_name("registry.json")


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Read and validate the catalogue; any defect is reported as file, entry and field."""
    path = path or registry_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogueError(f"{path}: catalogue file not found") from None
    except json.JSONDecodeError as err:
        raise CatalogueError(
            f"{path}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})"
        ) from None
    try:
        return Catalogue.model_validate(raw)
    except ValidationError as err:
        raise CatalogueError(describe_validation_error(path, raw, err)) from None


def describe_validation_error(path: Path, raw: object, err: ValidationError) -> str:
    first = err.errors()[0]
    loc = list(first["loc"])
    where = ".".join(str(part) for part in loc) or "top level"
    if len(loc) >= 2 and loc[0] == "entries" and isinstance(loc[1], int):
        index = loc[1]
        entries = raw.get("entries") if isinstance(raw, dict) else None
        entry = entries[index] if isinstance(entries, list) and index < len(entries) else None
        entry_id = entry.get("id") if isinstance(entry, dict) else None
        field = ".".join(str(part) for part in loc[2:]) or "entry"
        where = f"entry {index} ({entry_id!r}), field {field!r}"
    more = f" (and {err.error_count() - 1} more problems)" if err.error_count() > 1 else ""
    return f"{path}: {where}: {first['msg']}{more}"
