"""`zoo train`, `zoo sample`, `zoo plot`: parse options, call the engine, print."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ganzoo.cli import cli
from ganzoo.errors import ConfigError


@cli.command("train", context_settings={"show_default": True})
@click.argument("variant", required=False)
@click.option(
    "--data", help="Dataset: ring8, grid25, digits, folder:PATH ... (default: the variant's)."
)
@click.option("--steps", type=int, default=2000, help="Total generator iterations.")
@click.option("--batch-size", type=int, default=64, help="Per process.")
@click.option("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps.")
@click.option(
    "--out", type=click.Path(path_type=Path), help="Run folder (default runs/VARIANT-DATA-seedN)."
)
@click.option("--seed", type=int, default=0)
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="KEY=VALUE",
    help="Variant config value (repeatable).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path),
    help="Variant config file (JSON or TOML).",
)
@click.option(
    "--resume", type=click.Path(path_type=Path), help="Continue this run folder up to --steps."
)
@click.option("--log-every", type=int, default=50)
@click.option(
    "--sample-every", type=int, default=500, help="Sample grid every N steps (0: end only)."
)
@click.option("--checkpoint-every", type=int, default=500, help="0: end only.")
@click.option(
    "--precision",
    type=click.Choice(["auto", "fp32", "bf16"]),
    default="auto",
    help="auto = bf16 on CUDA, fp32 on CPU.",
)
@click.option("--compile", "compile_", is_flag=True, help="torch.compile the networks.")
@click.option(
    "--cuda-graph",
    is_flag=True,
    help="Record the whole step once as a CUDA graph and replay it (small models on CUDA).",
)
@click.option(
    "--ema", type=float, help="Keep an EMA of the generator with this decay (e.g. 0.999)."
)
@click.option(
    "--eval-every",
    type=int,
    default=0,
    help="Evaluate every N steps; keep the best model in RUN/best.",
)
@click.option(
    "--eval-metric",
    default="fid",
    help="Tracked by --eval-every: fid, kid, precision, recall, density, coverage, is, modes, reverse_kl.",
)
@click.option("--eval-samples", type=int, default=1000, help="Generated samples per evaluation.")
@click.option(
    "--nproc", type=int, default=1, help="Processes (torchrun + DDP; gloo on CPU, NCCL on CUDA)."
)
@click.option("--nnodes", default="1", help="Nodes, for multi-node runs (torchrun's --nnodes).")
@click.option("--rdzv-endpoint", help="host:port of the rendezvous, for multi-node runs.")
@click.option("--node-rank", type=int, help="This node's rank, for multi-node runs.")
def train_command(
    variant,
    data,
    steps,
    batch_size,
    device,
    out,
    seed,
    settings,
    config_file,
    resume,
    log_every,
    sample_every,
    checkpoint_every,
    precision,
    compile_,
    cuda_graph,
    ema,
    eval_every,
    eval_metric,
    eval_samples,
    nproc,
    nnodes,
    rdzv_endpoint,
    node_rank,
) -> None:
    """Train VARIANT (a variant id or catalogue name) and write a run folder."""
    from ganzoo.engine.trainer import TrainOptions, train
    from ganzoo.variants import parse_settings, read_config_file

    launching = (nproc > 1 or nnodes != "1") and "LOCAL_RANK" not in os.environ
    if launching:
        from ganzoo.engine.distributed import launch

        argv = _without_launch_options(sys.argv[2:] if sys.argv[1:2] == ["train"] else sys.argv[1:])
        sys.exit(launch(nproc, argv, nnodes, rdzv_endpoint, node_rank))
    values = read_config_file(config_file) if config_file else {}
    values.update(parse_settings(settings))
    options = _options(
        TrainOptions,
        variant=variant,
        data=data,
        steps=steps,
        batch_size=batch_size,
        device=device,
        out=out,
        seed=seed,
        resume=resume,
        log_every=log_every,
        sample_every=sample_every,
        checkpoint_every=checkpoint_every,
        precision=precision,
        compile=compile_,
        cuda_graph=cuda_graph,
        ema=ema,
        eval_every=eval_every,
        eval_metric=eval_metric,
        eval_samples=eval_samples,
    )
    run_dir = train(options, values)
    if int(os.environ.get("RANK", "0")) == 0:
        click.echo(f"run folder: {run_dir}")
        click.echo(f"samples:    {run_dir / 'samples'}")
        from ganzoo.contracts import DataKind
        from ganzoo.engine.runfolder import read_config

        tokens = read_config(run_dir)["data"]["kind"] == DataKind.TOKENS.value
        sample = f"zoo sample {run_dir}" + ("" if tokens else " -o grid.png")
        click.echo(f"next:       {sample}   |   zoo plot {run_dir}")


def _without_launch_options(argv: list[str]) -> list[str]:
    """The same command line minus the launcher's own options (the workers must not relaunch)."""
    names = {"--nproc", "--nnodes", "--rdzv-endpoint", "--node-rank"}
    kept, skip = [], False
    for item in argv:
        if skip:
            skip = False
            continue
        if item in names:
            skip = True
            continue
        if item.split("=")[0] in names:
            continue
        kept.append(item)
    return kept


def _options(model, **values):
    from pydantic import ValidationError

    try:
        return model(**values)
    except ValidationError as err:
        first = err.errors()[0]
        name = "--" + str(first["loc"][0]).replace("_", "-")
        raise ConfigError(f"{name} {first.get('input')!r}: {first['msg']}") from None


@cli.command("sample")
@click.argument("first", metavar="[VARIANT] SOURCE")
@click.argument("second", required=False, metavar="")
@click.option(
    "-n",
    "count",
    type=click.IntRange(min=1),
    help="Samples (default 64); with --text, per caption (8).",
)
@click.option("--labels", help="Class labels: 3,3,7 or 'all' (a row per class).")
@click.option(
    "--text", "texts", multiple=True, help="A caption, for text-to-image models (repeatable)."
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--device", default="auto", show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="x.png (grid or scatter; the default, samples.png), x.npy, x.safetensors, dir/; "
    "token models print decoded text, or write x.txt.",
)
def sample_command(first, second, count, labels, texts, seed, device, output) -> None:
    """Draw samples from SOURCE (a run folder, hf:org/name, a catalogue id with weights);
    naming the VARIANT first checks that SOURCE holds that variant."""
    from ganzoo.api import load
    from ganzoo.contracts import DataKind
    from ganzoo.engine.sampling import parse_labels, parse_texts, write_samples

    variant, source = (first, second) if second else (None, first)
    model = load(source, device=device)
    if variant is not None and variant != model.id:
        raise ConfigError(f"{source} holds a {model.id} model, not {variant}")
    if texts and labels:
        raise ConfigError("--text and --labels do not go together")
    if texts:
        conditions, nrow = parse_texts(texts, count or 8, model)
    else:
        conditions, nrow = parse_labels(labels, count or 64, model)
    n = len(conditions) if conditions is not None else count or 64
    samples = model.sample(n, labels=conditions, seed=seed)
    if output is None and model.data.kind == DataKind.TOKENS:
        from ganzoo.data.text import decode

        click.echo("\n".join(decode(samples, model.data)))
        return
    written = write_samples(samples, output or Path("samples.png"), model, nrow)
    click.echo(f"wrote {written}")


@cli.command("plot")
@click.argument("run", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="PNG (default RUN/losses.png)."
)
def plot_command(run: Path, output: Path | None) -> None:
    """Draw a run's loss curves (from metrics.jsonl) to PNG."""
    import json

    from ganzoo.engine.pictures import plot_curves
    from ganzoo.errors import ZooError

    path = run / "metrics.jsonl"
    if not path.exists():
        raise ZooError(f"{run}: no metrics.jsonl (is it a run folder?)")
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if not records:
        raise ZooError(f"{path} is empty: the run logged nothing yet")
    written = plot_curves(records, output or run / "losses.png", title=str(run))
    click.echo(f"wrote {written}")


@cli.command("translate")
@click.argument("source")
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(path_type=Path),
    help="An image or a folder of images.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=Path("translated"),
    show_default=True,
    help="Folder for the translated PNGs (one per input, same name).",
)
@click.option("--direction", type=click.Choice(["AtoB", "BtoA"]), default="AtoB", show_default=True)
@click.option("--device", default="auto", show_default=True)
def translate_command(source, input_path, output, direction, device) -> None:
    """Translate images with an image-to-image model (patchgan, cyclegan)."""
    from ganzoo.api import load
    from ganzoo.engine.translating import translate_files

    model = load(source, device=device)
    written = translate_files(model, input_path, output, direction)
    click.echo(f"wrote {len(written)} image(s) to {output}")
