"""`zoo list`, `zoo info`, `zoo plugins`: metadata only, no torch (except `info` of a variant)."""

from __future__ import annotations

import json
import subprocess
import sys

import click

from ganzoo.catalogue import load_catalogue
from ganzoo.cli import cli
from ganzoo.display import print_fields, print_table
from ganzoo.errors import PluginError, UnknownNameError


@cli.command("list")
@click.option("--all", "show_all", is_flag=True, help="Every catalogue entry, not the A-to-Z view.")
@click.option("--letter", help="Only entries under this letter (A-Z or #).")
@click.option("--implemented", is_flag=True, help="Only entries with an installed implementation.")
@click.option("--search", metavar="TEXT", help="Only entries whose id, name, alias or title match.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of entries.")
def list_command(
    show_all: bool, letter: str | None, implemented: bool, search: str | None, as_json: bool
) -> None:
    """The A-to-Z of GANs (the lecture's game), or the whole catalogue."""
    from ganzoo import listing

    catalogue = load_catalogue()
    rows = listing.rows(catalogue)
    if letter and letter.upper() not in {r.letter for r in rows} | set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ#"
    ):
        raise UnknownNameError(f"--letter takes A-Z or #, not {letter!r}")
    selected = listing.filter_rows(rows, letter, implemented, search)
    if as_json:
        click.echo(json.dumps([r.as_json() for r in selected], ensure_ascii=False, indent=1))
        return
    if show_all or letter or implemented or search:
        print_table(
            f"{len(selected)} of {len(rows)} GANs",
            ["id", "name", "year", "status", "title"],
            [[r.id, r.name, str(r.year or ""), r.status, r.title[:70]] for r in selected],
        )
        return
    view = listing.a_to_z(catalogue, rows)
    print_table(
        f"The A-to-Z of GANs ({len(rows)} entries; `zoo list --all` lists them)",
        ["", "featured (lecture)", "entries", "implemented"],
        [
            [
                v.letter,
                ", ".join(v.featured) if v.featured else (v.note or "free"),
                str(v.count),
                ", ".join(v.implemented),
            ]
            for v in view
        ],
    )
    source = catalogue.source
    click.echo(f"Catalogue: {source.name} by {source.author} ({source.license}), {source.url}")


@cli.command("info")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
def info_command(name: str, as_json: bool) -> None:
    """A paper's details, and for an implemented variant its config fields."""
    from ganzoo import listing

    catalogue = load_catalogue()
    rows = {r.id: r for r in listing.rows(catalogue)}
    try:
        row = rows[catalogue.resolve(name).id]
    except UnknownNameError:
        if name not in rows:
            raise
        row = rows[name]
    entry = next((e for e in catalogue.entries if e.id == row.id), None)
    info = row.as_json() | {
        "url": entry.url if entry else None,
        "code": entry.code if entry else None,
        "same_name": [e.id for e in catalogue.index.namesakes(entry)] if entry else [],
        "config": None,
    }
    if row.status == "broken":
        raise PluginError(row.error or f"the plugin for {row.id!r} is broken")
    if row.status in ("built-in", "installed") and row.implementation:
        from ganzoo.variants import config_fields, variant_class

        info["config"] = config_fields(variant_class(row.implementation))
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False, indent=1))
        return
    pairs = [
        ("id", row.id),
        ("name", row.name + (f"  (aliases: {', '.join(row.aliases)})" if row.aliases else "")),
        ("title", row.title),
        ("year", f"{row.year or '?'}"),
        ("arXiv", f"https://arxiv.org/abs/{row.arxiv}" if row.arxiv else (info["url"] or "-")),
        ("code", info["code"] or "-"),
        ("status", _status_text(row.status, row.implementation)),
    ]
    if row.error:
        pairs.append(("error", row.error))
    if info["same_name"]:
        pairs.append(("same name", ", ".join(info["same_name"])))
    print_fields(pairs)
    if info["config"]:
        print_table(
            f"config of {row.implementation} (set with --set key=value)",
            ["field", "type", "default", "description"],
            [
                [f["name"], f["type"], json.dumps(f["default"]), f["description"]]
                for f in info["config"]
            ],
        )


def _status_text(status: str, implementation: str | None) -> str:
    if not implementation:
        return status
    if status == "catalogued":
        return f"catalogued (its variant {implementation!r} is not installed)"
    return f"{status}: zoo train {implementation}"


@cli.command("plugins")
@click.option("--check", is_flag=True, help="Import every plugin, each in a fresh subprocess.")
@click.option("--distribution", "only", multiple=True, help="Only these distributions.")
@click.option("--json", "as_json", is_flag=True)
def plugins_command(check: bool, only: tuple[str, ...], as_json: bool) -> None:
    """Installed plugin distributions, what each provides, and which are broken."""
    from ganzoo.plugins import GROUPS, FailureLog, canonical, discover, looks_broken

    failures = FailureLog().read()
    wanted = {canonical(d) for d in only}
    found = {kind: discover(kind) for kind in GROUPS}
    selected = [
        ref
        for refs, _ in found.values()
        for ref in refs.values()
        if not wanted or canonical(ref.distribution or "") in wanted
    ]
    errors = _check_all(selected) if check else {r: looks_broken(r, failures) for r in selected}
    records = []
    for kind, (refs, refused) in found.items():
        for ref in refs.values():
            if ref not in errors:
                continue
            error = errors[ref]
            records.append(
                {
                    "distribution": ref.distribution,
                    "version": ref.version,
                    "kind": kind,
                    "id": ref.id,
                    "module": ref.module,
                    "status": "broken" if error else ("ok" if check else "not imported"),
                    "error": error,
                }
            )
        for plugin_id, reason in refused.items():
            records.append(
                {
                    "distribution": None,
                    "version": None,
                    "kind": kind,
                    "id": plugin_id,
                    "module": None,
                    "status": "refused",
                    "error": reason,
                }
            )
    if as_json:
        click.echo(json.dumps(records, indent=1))
        return
    print_table(
        "gan-zoo plugins" + (" (each imported in a subprocess)" if check else ""),
        ["distribution", "version", "kind", "id", "status", "error"],
        [
            [
                r["distribution"] or "-",
                r["version"] or "-",
                r["kind"],
                r["id"],
                r["status"],
                r["error"] or "",
            ]
            for r in records
        ],
    )
    broken = sum(r["status"] == "broken" for r in records)
    if broken:
        click.echo(f"{broken} broken plugin(s); `zoo uninstall DIST` works for them too.", err=True)


def _check_all(refs: list) -> dict:
    """Each plugin imported in its own fresh process, a few at a time."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = pool.map(lambda ref: _check_in_subprocess(ref.kind, ref.id), refs)
        return dict(zip(refs, results, strict=True))


def _check_in_subprocess(kind: str, plugin_id: str) -> str | None:
    code = (
        "import sys\nfrom ganzoo.plugins import PluginHost\nfrom ganzoo.errors import ZooError\n"
        f"try:\n    PluginHost(strict=False).get({kind!r}, {plugin_id!r})\n"
        "except ZooError as err:\n    print(err); sys.exit(3)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    if done.returncode == 0:
        return None
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[-1] if lines else f"exit status {done.returncode}"
