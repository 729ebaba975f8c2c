"""The training loop every variant shares. The variant's `train_step` is the algorithm box;
this file is everything around it, small enough to hold in one's head."""

from __future__ import annotations

import math
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel, ConfigDict, Field

from ganzoo.contracts import Runtime, Variant
from ganzoo.engine import distributed
from ganzoo.engine.batches import DeviceBatches
from ganzoo.engine.checkpoint import latest_checkpoint, restore_checkpoint, save_checkpoint
from ganzoo.engine.devices import (
    Precision,
    autocast_for,
    denormals_flushed,
    resolve_device,
    seed_everything,
)
from ganzoo.engine.graphs import GraphedStep
from ganzoo.engine.monitor import EvalMonitor, best_folder
from ganzoo.engine.pictures import save_samples_picture
from ganzoo.engine.reporting import Reporter, truncate_metrics
from ganzoo.engine.runfolder import export, load_weights, read_config
from ganzoo.errors import ConfigError, TrainingDiverged, ZooError
from ganzoo.nn.layout import use_channels_last
from ganzoo.schedule import decaying, scale_learning_rates
from ganzoo.variants import load_data


class TrainOptions(BaseModel):
    """What the engine needs besides the variant's own config."""

    model_config = ConfigDict(extra="forbid")
    variant: str | None = None
    data: str | None = None
    steps: int = Field(2000, ge=1, description="total generator iterations")
    batch_size: int = Field(64, ge=1, description="per process; real and fake batches are equal")
    device: str = "auto"
    out: Path | None = None
    resume: Path | None = None
    seed: int = 0
    log_every: int = Field(50, ge=1)
    sample_every: int = Field(500, ge=0, description="0: only at the end")
    checkpoint_every: int = Field(500, ge=0, description="0: only at the end")
    precision: Precision = "auto"
    compile: bool = False
    cuda_graph: bool = Field(False, description="record the step once as a CUDA graph, replay it")
    ema: float | None = Field(None, gt=0, lt=1, description="EMA decay of the generator")
    progress: bool | None = None
    eval_every: int = Field(0, ge=0, description="evaluate every N steps and keep the best model")
    eval_metric: str = Field(
        "fid", description="what --eval-every tracks (fid, precision, modes...)"
    )
    eval_samples: int = Field(1000, ge=10, description="generated samples per evaluation")

    def saved(self) -> dict[str, Any]:
        """The options a resumed run must keep (the data order and the model depend on them)."""
        return self.model_dump(mode="json", include={"data", "batch_size", "seed", "ema", "steps"})


class _StopFlag:
    """Ctrl-C asks the loop to stop after the current step; a second Ctrl-C stops at once."""

    def __init__(self) -> None:
        self.requested = False
        self._previous = None

    def __enter__(self) -> _StopFlag:
        try:
            self._previous = signal.signal(signal.SIGINT, self._handle)
        except ValueError:
            self._previous = None
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc: Any) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def _finite_or_raise(losses: dict[str, torch.Tensor], step: int, run_dir: Path) -> dict[str, float]:
    values = {k: float(v) for k, v in losses.items()}
    for name, value in values.items():
        if not math.isfinite(value):
            last = latest_checkpoint(run_dir)
            kept = (
                f"the last good checkpoint is {last}" if last else "no checkpoint was written yet"
            )
            raise TrainingDiverged(f"loss {name!r} became {value} at step {step}; stopped, {kept}")
    return values


def _check_graph_capturable(
    variant: Variant, device: torch.device, group: distributed.ProcessGroup
) -> None:
    if not variant.graph_capturable():
        raise ConfigError(
            f"{variant.id} with these settings cannot record its step as a CUDA graph (it "
            "changes from step to step: see Variant.graph_capturable); drop --cuda-graph"
        )
    if decaying(variant.config):
        raise ConfigError(
            "--cuda-graph keeps the learning rates it recorded; drop --cuda-graph or the "
            "learning-rate decay (decay_start)"
        )
    if device.type != "cuda":
        raise ConfigError(f"--cuda-graph needs a CUDA device, not {device.type} (--device cuda)")
    if group.active:
        raise ConfigError("--cuda-graph records one process's step; drop --nproc")


def prepare_for_training(
    variant: Variant, group: distributed.ProcessGroup, compile_networks: bool
) -> None:
    """Memory layout, DDP and compile for the networks, then the variant's optimizers."""
    images = len(variant.data.shape) == 3
    for name, network in variant.networks.items():
        if images:
            use_channels_last(network)
        wrapped = distributed.wrap(network, group, variant.device)
        if compile_networks:
            wrapped = torch.compile(wrapped)
        setattr(variant, name, wrapped)
    variant.optimizers = variant.build_optimizers()


def step_runner(
    variant: Variant, batches: DeviceBatches, precision: Precision, cuda_graph: bool
) -> Callable[[int], dict[str, torch.Tensor]]:
    """The step the loop calls: the config's learning-rate schedule, then the variant's
    `train_step` under autocast, eager or recorded once as a CUDA graph (rates fixed)."""
    if cuda_graph:
        return GraphedStep(
            variant, batches, lambda: autocast_for(variant.device, precision, cache=False)
        )
    autocast = autocast_for(variant.device, precision)

    schedule = variant.config if decaying(variant.config) else None

    def eager(step: int) -> dict[str, torch.Tensor]:
        if schedule is not None:
            scale_learning_rates(variant.optimizers.values(), schedule.rate_share(step))
        with autocast:
            return variant.train_step(batches, step)

    return eager


def train(options: TrainOptions, settings: dict[str, Any]) -> Path:
    """Train (or resume) a run; returns its folder."""
    from ganzoo.variants import build_config, variant_class

    saved, snapshot = None, None
    if options.resume is not None:
        from ganzoo.hub import parse_source, pull

        hub_source = (
            parse_source(str(options.resume)) if str(options.resume).startswith("hf:") else None
        )
        snapshot = pull(hub_source) if hub_source else None
        saved = read_config(snapshot or options.resume)
        if options.variant and variant_class(options.variant).id != saved["variant"]:
            raise ConfigError(
                f"{options.resume} is a {saved['variant']} run, not {options.variant}"
            )
        if settings:
            raise ConfigError("--set/--config cannot change a run being resumed")
        kept = saved.get("train", {})
        options = options.model_copy(
            update={
                "variant": saved["variant"],
                "data": kept.get("data"),
                "batch_size": kept.get("batch_size", options.batch_size),
                "seed": kept.get("seed", options.seed),
                "ema": kept.get("ema"),
                "out": options.out if snapshot else options.resume,
            }
        )
    if not options.variant:
        raise ConfigError("name a variant to train (zoo list --implemented), or --resume a run")

    cls = variant_class(options.variant)
    config = build_config(cls, saved["config"] if saved else settings)
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = resolve_device(options.device, local_rank)
    group = distributed.join_from_env(device.type)
    try:
        run_dir = _run(
            options,
            cls,
            config,
            device,
            group,
            resumed=saved is not None and not snapshot,
            snapshot=snapshot,
        )
        # A rank that tore the group down while rank 0 still drew the last grid aborted in
        # gloo's teardown ("terminate called without an active exception").
        distributed.barrier(group)
        return run_dir
    finally:
        distributed.leave(group)


def _run(
    options: TrainOptions,
    cls: type[Variant],
    config: Any,
    device: torch.device,
    group: distributed.ProcessGroup,
    resumed: bool,
    snapshot: Path | None = None,
) -> Path:
    from ganzoo.nn.ema import EMA
    from ganzoo.plugins import host

    spec = options.data or cls.default_data
    options = options.model_copy(update={"data": spec})
    run_dir = options.out or Path("runs") / f"{cls.id}-{spec.split(':')[0]}-seed{options.seed}"
    if not resumed and (run_dir / "config.json").exists():
        raise ConfigError(f"{run_dir} already holds a run; --resume {run_dir} or choose --out")

    seed_everything(options.seed)
    data = load_data(spec, cls, config, options.seed)
    runtime = Runtime(
        device,
        rank=group.rank,
        world_size=group.world_size,
        total_steps=options.steps,
        capturable=options.cuda_graph,
    )
    variant = cls(config, data.info, runtime)
    if options.cuda_graph:
        _check_graph_capturable(variant, device, group)
    averages = {}
    if options.ema:
        averages = {
            variant.sample_network: EMA(variant.networks[variant.sample_network], options.ema)
        }
        variant.ema = {name: average.shadow for name, average in averages.items()}
    start = 0
    if snapshot is not None:
        load_weights(variant, snapshot, [])
        for name, average in averages.items():
            average.shadow.load_state_dict(variant.networks[name].state_dict())
        start = int(read_config(snapshot).get("step", 0))
        if group.main:
            print(
                f"starting from the weights in {snapshot} at step {start}; a Hub snapshot has "
                "no optimizer state, so the optimizers start fresh",
                file=sys.stderr,
            )
    prepare_for_training(variant, group, options.compile)
    batches = DeviceBatches(
        data, options.batch_size, device, options.seed, group.rank, group.world_size
    )

    if resumed:
        folder = latest_checkpoint(run_dir)
        if folder is None:
            raise ZooError(f"{run_dir} has no checkpoint to resume from")
        start = restore_checkpoint(folder, variant, batches)["step"]
    if start >= options.steps:
        raise ConfigError(f"{run_dir} starts at step {start}; ask for --steps > {start}")
    if group.main:
        run_dir.mkdir(parents=True, exist_ok=True)
        truncate_metrics(run_dir, start)
    train_meta = options.saved()
    callbacks = host().callbacks(str(run_dir), cls.id) if group.main else []
    reporter = Reporter(run_dir, options.steps, start, group.main, options.progress, callbacks)
    reporter.start(
        str(run_dir),
        {"variant": cls.id, "config": config.model_dump(mode="json"), "train": train_meta},
    )
    grid_n = 80 if variant.conditional and data.info.num_classes == 10 else 64
    grid_labels, grid_nrow = variant.grid_conditions(grid_n)
    real_points = data.train["x"] if data.info.kind.value == "points" else None
    check_every_step = device.type == "cpu" and not group.active
    train_step = step_runner(variant, batches, options.precision, options.cuda_graph)

    def checkpoint(step: int) -> None:
        if group.main:
            path = save_checkpoint(run_dir, step, variant, batches, {"train": train_meta})
            export(run_dir, variant, train_meta, step)
            reporter.checkpoint(step, path)
        distributed.barrier(group)

    monitor = (
        EvalMonitor(data, options.eval_metric, options.eval_samples) if options.eval_every else None
    )

    def evaluate(step: int) -> None:
        if group.main:
            values, improved = monitor(variant, step)
            reporter.log_eval(step, values)
            if improved:
                export(best_folder(run_dir), variant, train_meta, step)
        distributed.barrier(group)

    def picture(step: int) -> None:
        if group.main:
            samples = variant.sample(
                len(grid_labels) if grid_labels is not None else grid_n,
                labels=grid_labels,
                seed=options.seed + 1,
            )
            save_samples_picture(
                samples,
                run_dir / "samples" / f"step-{step:08d}.png",
                data.info,
                real=real_points,
                nrow=grid_nrow or 8,
                title=f"{cls.id}, step {step}",
            )

    step = start
    try:
        with _StopFlag() as stop, denormals_flushed(device):
            while step < options.steps:
                losses = train_step(step)
                step += 1
                for name, average in averages.items():
                    average.update(variant.networks[name])
                logging = step % options.log_every == 0 or step == options.steps
                if check_every_step or logging:
                    values = _finite_or_raise(losses, step, run_dir)
                    if logging:
                        reporter.log(step, values)
                if options.sample_every and step % options.sample_every == 0:
                    picture(step)
                if monitor and step % options.eval_every == 0:
                    evaluate(step)
                if options.checkpoint_every and step % options.checkpoint_every == 0:
                    checkpoint(step)
                if stop.requested:
                    checkpoint(step)
                    reporter.close(step)
                    print(
                        f"interrupted: checkpoint at step {step} in {run_dir}; "
                        f"continue with zoo train --resume {run_dir} --steps {options.steps}",
                        file=sys.stderr,
                    )
                    raise SystemExit(130)
    except TrainingDiverged:
        reporter.close(step)
        raise
    if options.checkpoint_every == 0 or step % options.checkpoint_every:
        checkpoint(step)
    if options.sample_every == 0 or step % options.sample_every:
        picture(step)
    reporter.close(step)
    return run_dir
