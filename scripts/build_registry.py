"""Regenerate registry.json from the GAN Zoo TSV plus the hand-kept overrides.

    python scripts/build_registry.py --tsv ../shared/data/gan-zoo.tsv            # write
    python scripts/build_registry.py --tsv ../shared/data/gan-zoo.tsv --check    # compare

Every entry is reproducible from those two inputs; nothing in registry.json is edited by hand.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "core"))

from ganzoo.catalogue import Catalogue  # noqa: E402

GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "Δ": "delta", "λ": "lambda"}
ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})(?:v\d+)?", re.IGNORECASE)


def slug(name: str) -> str:
    spelled = "".join(GREEK.get(ch, ch) for ch in name)
    ascii_only = unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_only.lower()).strip("-")


def letter(name: str) -> str:
    first = name[0].upper()
    return first if "A" <= first <= "Z" else "#"


def cell(value: str | None) -> str | None:
    value = (value or "").strip()
    return None if value in ("", "-") else value


def read_tsv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    entries = []
    for row in rows:
        link = cell(row["Arxiv"])
        match = ARXIV.search(link or "")
        name = row["Abbr."].strip()
        entries.append(
            {
                "id": None,
                "name": name,
                "aliases": [],
                "letter": letter(name),
                "title": row["Title"].strip(),
                "year": int(row["Year"]) if cell(row["Year"]) else None,
                "month": int(row["Month"]) if cell(row["Month"]) else None,
                "arxiv": match.group(1) if match else None,
                "url": link,
                "code": cell(row["Official_Code"]),
                "featured": False,
                "implementation": None,
            }
        )
    return entries


def apply_overrides(entries: list[dict], overrides: list[dict]) -> None:
    for override in overrides:
        hits = [
            e
            for e in entries
            if e["name"] == override["name"]
            and ("arxiv" not in override or e["arxiv"] == override["arxiv"])
        ]
        if len(hits) != 1:
            raise SystemExit(f"override {override} matches {len(hits)} rows, expected 1")
        hits[0].update({k: v for k, v in override.items() if k not in ("name", "arxiv")})


def assign_ids(entries: list[dict]) -> None:
    pinned = {e["id"] for e in entries if e["id"]}
    groups: dict[str, list[dict]] = {}
    for entry in entries:
        groups.setdefault(slug(entry["name"]).replace("-", ""), []).append(entry)
    used = set(pinned)
    for entry in entries:
        if entry["id"]:
            continue
        base = slug(entry["name"])
        clash = len(groups[base.replace("-", "")]) > 1 or base in pinned
        candidate = base
        if clash:
            tag = entry["arxiv"] or f"{entry['year']}-{entry['month']:02d}"
            candidate = f"{base}-{tag}"
        suffix = 2
        while candidate in used:
            candidate = f"{base}-{suffix}"
            suffix += 1
        entry["id"] = candidate
        used.add(candidate)


def build(tsv: Path, overrides_path: Path) -> str:
    overrides = json.loads(overrides_path.read_text(encoding="utf-8"))
    entries = read_tsv(tsv)
    apply_overrides(entries, overrides["entries"])
    entries.extend(dict(addition) for addition in overrides["additions"])
    assign_ids(entries)
    featured = {i for ids in overrides["a_to_z"].values() for i in ids}
    known = {e["id"] for e in entries}
    if featured - known:
        raise SystemExit(f"a_to_z names unknown ids: {sorted(featured - known)}")
    for entry in entries:
        entry["featured"] = entry["id"] in featured
    document = {
        "schema_version": 1,
        "source": overrides["source"],
        "letters": overrides["letters"],
        "a_to_z": overrides["a_to_z"],
        "entries": entries,
    }
    Catalogue.model_validate(document)
    head = json.dumps({k: v for k, v in document.items() if k != "entries"}, ensure_ascii=False)
    lines = ",\n".join("  " + json.dumps(e, ensure_ascii=False) for e in entries)
    return head[:-1] + ',\n "entries": [\n' + lines + "\n ]\n}\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tsv", type=Path, default=ROOT.parent / "shared/data/gan-zoo.tsv")
    parser.add_argument("--overrides", type=Path, default=ROOT / "scripts/registry_overrides.json")
    parser.add_argument("--out", type=Path, default=ROOT / "registry.json")
    parser.add_argument("--check", action="store_true", help="exit 1 if --out is not up to date")
    args = parser.parse_args()
    text = build(args.tsv, args.overrides)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is out of date; run scripts/build_registry.py", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: {text.count(chr(10)) - 5} entries")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
