"""`zoo eval`: every score with its protocol, and the result appended to the model card."""

from __future__ import annotations

from pathlib import Path

import click

from ganzoo.cli import cli


@cli.command("eval")
@click.argument("source")
@click.option("--data", help="Real data to compare with (default: the run's own).")
@click.option(
    "--metrics", help="Comma-separated metric ids (default: fid,kid,pr,dc,is for images)."
)
@click.option("-n", "count", type=int, default=1000, show_default=True, help="Generated samples.")
@click.option(
    "--features", type=click.Choice(["domain", "inception"]), default="domain", show_default=True
)
@click.option(
    "--inception-weights",
    type=click.Path(path_type=Path),
    help="A local copy of the FID Inception-v3 safetensors (default: the Hub, then its cache).",
)
@click.option("--device", default="auto", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def eval_command(
    source, data, metrics, count, features, inception_weights, device, seed, as_json
) -> None:
    """Score a trained model against real data."""
    from ganzoo.api import load
    from ganzoo.display import print_table
    from ganzoo.engine.evaluation import append_to_card, evaluate, load_eval_data, report_json
    from ganzoo.hub import parse_source, resolve_folder

    folder = resolve_folder(source)
    model = load(folder, device=device)
    dataset = load_eval_data(folder, model, data)
    names = [m.strip() for m in metrics.split(",")] if metrics else None
    report = evaluate(source, model, dataset, names, count, features, seed, inception_weights)
    if parse_source(source) is None:
        append_to_card(Path(source), report)
    if as_json:
        click.echo(report_json(report))
        return
    print_table(
        f"{source}: {report.samples} samples vs {report.real} real ({report.data}); "
        f"features: {report.features}",
        ["metric", "value", "protocol"],
        [
            [key, f"{value:.4f}", report.protocols.get(metric, "")]
            for metric, values in report.scores.items()
            for key, value in values.items()
        ],
    )
