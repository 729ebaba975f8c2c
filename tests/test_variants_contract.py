"""Contract tests that run for every registered variant: a new plugin is tested the moment
it registers (one step with finite losses, save/load round trip, determinism, resume)."""

from __future__ import annotations

import json
import math

import pytest
import torch

import ganzoo
from ganzoo.contracts import Runtime
from ganzoo.engine.batches import DeviceBatches
from ganzoo.engine.runfolder import export, load_model
from ganzoo.engine.tensorio import load_tensors
from ganzoo.plugins import PluginHost
from ganzoo.variants import build_config, load_data, variant_class

VARIANTS = PluginHost().ids("variant")
FAST = {
    "batch_size": 8,
    "device": "cpu",
    "sample_every": 0,
    "checkpoint_every": 0,
    "progress": False,
    "log_every": 1,
}


def quick(variant_id: str) -> dict:
    return variant_class(variant_id).quick_settings


def build(variant_id: str, seed: int = 0):
    cls = variant_class(variant_id)
    config = build_config(cls, cls.quick_settings)
    torch.manual_seed(seed)
    data = load_data(cls.default_data, cls, config, seed)
    variant = cls(config, data.info, Runtime(torch.device("cpu")))
    variant.optimizers = variant.build_optimizers()
    return variant, DeviceBatches(data, 8, torch.device("cpu"), seed)


def weights(run_dir):
    return {f.name: load_tensors(f) for f in sorted(run_dir.glob("*.safetensors"))}


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for name in a:
        for key in a[name]:
            assert torch.equal(a[name][key], b[name][key]), f"{name}:{key}"


@pytest.mark.parametrize("variant_id", VARIANTS)
def test_one_train_step_gives_finite_losses(variant_id, tmp_path):
    run = ganzoo.train(variant_id, steps=2, out=tmp_path / "run", **FAST, **quick(variant_id))
    lines = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [line["step"] for line in lines] == [1, 2]
    losses = {k: v for k, v in lines[-1].items() if k.endswith("loss")}
    assert losses and all(math.isfinite(v) for v in losses.values())


@pytest.mark.parametrize("variant_id", VARIANTS)
def test_save_load_round_trip_gives_identical_samples(variant_id, tmp_path):
    variant, batches = build(variant_id)
    variant.train_step(batches, 0)
    export(tmp_path, variant, {}, step=1)
    loaded = load_model(tmp_path, torch.device("cpu"))
    labels = torch.arange(4) % 2 if variant.conditional else None
    assert torch.equal(
        variant.sample(4, labels=labels, seed=3), loaded.sample(4, labels=labels, seed=3)
    )
    assert not torch.equal(
        loaded.sample(4, labels=labels, seed=3), loaded.sample(4, labels=labels, seed=4)
    )


@pytest.mark.parametrize("variant_id", VARIANTS)
def test_same_seed_same_weights(variant_id, tmp_path):
    a = ganzoo.train(variant_id, steps=3, out=tmp_path / "a", seed=5, **FAST, **quick(variant_id))
    b = ganzoo.train(variant_id, steps=3, out=tmp_path / "b", seed=5, **FAST, **quick(variant_id))
    assert_same_weights(weights(a), weights(b))


@pytest.mark.parametrize("variant_id", VARIANTS)
def test_resume_equals_straight_run(variant_id, tmp_path):
    straight = ganzoo.train(
        variant_id, steps=6, out=tmp_path / "straight", **FAST, **quick(variant_id)
    )
    half = ganzoo.train(variant_id, steps=3, out=tmp_path / "resumed", **FAST, **quick(variant_id))
    from ganzoo.engine.trainer import TrainOptions, train

    train(
        TrainOptions(
            resume=half,
            steps=6,
            device="cpu",
            sample_every=0,
            checkpoint_every=0,
            progress=False,
            log_every=1,
        ),
        {},
    )
    assert_same_weights(weights(straight), weights(half))
    steps = [json.loads(line)["step"] for line in (half / "metrics.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4, 5, 6]
