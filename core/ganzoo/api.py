"""The small public Python API: the same engine as the `zoo` command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ganzoo.contracts import Variant


def load(source: str | Path, device: str = "auto") -> Variant:
    """A trained model from a run folder, `hf:org/name[@revision]` or a catalogue id with
    weights; `model.sample(n, labels=None, seed=None)`."""
    from ganzoo.engine.devices import resolve_device
    from ganzoo.engine.runfolder import load_model
    from ganzoo.hub import resolve_folder

    return load_model(resolve_folder(source), resolve_device(device))


def train(variant: str, data: str | None = None, **settings: Any) -> Path:
    """Train like `zoo train`: engine options (steps, batch_size, device, out, seed, ...) and
    the variant's config keys may be mixed; returns the run folder."""
    from ganzoo.engine.trainer import TrainOptions
    from ganzoo.engine.trainer import train as run

    engine_keys = set(TrainOptions.model_fields) - {"variant", "data"}
    options = TrainOptions(
        variant=variant, data=data, **{k: v for k, v in settings.items() if k in engine_keys}
    )
    return run(options, {k: v for k, v in settings.items() if k not in engine_keys})
