"""`zoo pull` and `zoo push`: weights from and to the Hugging Face Hub."""

from __future__ import annotations

from pathlib import Path

import click

from ganzoo.cli import cli
from ganzoo.errors import ZooError


@cli.command("pull")
@click.argument("source")
@click.option("--device", default="auto", show_default=True)
def pull_command(source: str, device: str) -> None:
    """Download (or find in the cache) hf:ORG/NAME[@REV] or a catalogue id's pinned weights,
    verify them, and load them onto the device."""
    from ganzoo.api import load
    from ganzoo.hub import parse_source, pull

    hub_source = parse_source(source)
    if hub_source is None:
        raise ZooError(f"{source!r} is a local folder; pull takes hf:ORG/NAME or a catalogue id")
    folder = pull(hub_source)
    model = load(folder, device=device)
    click.echo(f"{hub_source.label}: {model.id} verified and loaded on {model.device}")
    click.echo(f"snapshot: {folder}")


@cli.command("push")
@click.argument("run", type=click.Path(path_type=Path))
@click.option("--repo-id", required=True, help="ORG/NAME on the Hub.")
@click.option("--private", is_flag=True)
@click.option("--revision", help="Branch to push to (created if missing).")
def push_command(run: Path, repo_id: str, private: bool, revision: str | None) -> None:
    """Upload a run's config, weights and model card; print a catalogue `weights` entry."""
    from ganzoo.hub import push, weights_entry_json

    entry = push(run, repo_id, private, revision)
    click.echo(f"pushed {run} to {repo_id} at commit {entry['revision']}")
    click.echo("catalogue weights entry (for scripts/registry_overrides.json):")
    click.echo(weights_entry_json(entry))
