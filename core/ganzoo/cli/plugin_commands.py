"""`zoo install`, `zoo uninstall`, `zoo new-plugin`: pip for plugins, and a template."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ganzoo.cli import cli
from ganzoo.errors import ZooError


@cli.command("install")
@click.argument("targets", nargs=-1)
@click.option("-U", "--upgrade", is_flag=True, help="Upgrade to the newest release.")
@click.option("-e", "--editable", is_flag=True, help="Install a local folder in editable mode.")
@click.option("--no-index", is_flag=True, help="Do not use the package index (pip's --no-index).")
@click.option("--find-links", multiple=True, help="Look for wheels here (pip's --find-links).")
@click.option("--restore", is_flag=True, help="Reinstall every plugin installed with zoo install.")
def install_command(targets, upgrade, editable, no_index, find_links, restore) -> None:
    """Install plugins: a catalogue name, a distribution name, a folder or a wheel."""
    from ganzoo.installer import (
        InstallRecord,
        externally_managed,
        installed_distribution,
        pip,
        plugins_of,
        resolve_target,
    )

    record = InstallRecord()
    targets = list(targets) + (record.read() if restore else [])
    if not targets:
        raise ZooError("name something to install (or --restore)")
    if externally_managed():
        raise ZooError(
            "this Python is managed by your operating system (PEP 668): create a virtual "
            "environment (python -m venv .venv && .venv/bin/pip install gan-zoo) and run zoo there"
        )
    resolved = []
    for target in targets:
        what, vouched = resolve_target(target)
        if not vouched:
            click.echo(
                f"warning: the catalogue does not vouch for {what!r}; a plugin runs as "
                "code on your machine, install only what you trust",
                err=True,
            )
        resolved.append(what)
    arguments = ["install"]
    arguments += ["--upgrade"] if upgrade else []
    arguments += ["--no-index"] if no_index else []
    for link in find_links:
        arguments += ["--find-links", link]
    for what in resolved:
        arguments += ["-e", what] if editable else [what]
    status = pip(arguments)
    if status != 0:
        sys.exit(status)
    record.write(record.read() + resolved)
    distributions = [d for d in map(installed_distribution, resolved) if d]
    for plugin in plugins_of(distributions):
        state = "ok" if plugin["status"] == "ok" else f"broken: {plugin['error']}"
        click.echo(
            f"{plugin['distribution']} {plugin['version']}: {plugin['kind']} "
            f"{plugin['id']!r} ({state})"
        )


@cli.command("uninstall")
@click.argument("distributions", nargs=-1, required=True)
def uninstall_command(distributions) -> None:
    """Remove plugin distributions (works for broken ones too: nothing is imported)."""
    from ganzoo.installer import InstallRecord, pip
    from ganzoo.plugins import BUILTIN_DISTRIBUTION, canonical

    if any(canonical(d) == BUILTIN_DISTRIBUTION for d in distributions):
        raise ZooError("zoo uninstall removes plugins; remove gan-zoo itself with pip")
    status = pip(["uninstall", "-y", *distributions])
    if status != 0:
        sys.exit(status)
    record = InstallRecord()
    gone = {canonical(d) for d in distributions}
    record.write([t for t in record.read() if canonical(t) not in gone])


@cli.command("new-plugin")
@click.argument("name")
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    default=Path("."),
    show_default=True,
    help="Where to create the plugin's folder.",
)
def new_plugin_command(name: str, directory: Path) -> None:
    """Write a ready-to-install plugin package with a variant that trains and its test."""
    from ganzoo.template import write_plugin

    folder = write_plugin(name, directory)
    click.echo(f"wrote {folder}; next: zoo install -e {folder} && pytest {folder}")
