"""Training checkpoints: networks, EMA, optimizers, variant extras and RNG state, written so
that a kill at any moment leaves the previous checkpoint whole.

Each checkpoint is a complete folder written under a temporary name and renamed into place;
`checkpoint/latest` is then replaced atomically to point at it, and older folders pruned.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch

from ganzoo.contracts import Variant
from ganzoo.engine.batches import DeviceBatches
from ganzoo.engine.runfolder import load_into
from ganzoo.engine.tensorio import (
    atomic_write_bytes,
    atomic_write_json,
    flatten_state,
    load_tensors,
    optimizer_state_from_json,
    save_tensors,
    unflatten_state,
)
from ganzoo.errors import ZooError

KEEP = 2


def checkpoint_root(run_dir: Path) -> Path:
    return run_dir / "checkpoint"


def save_checkpoint(
    run_dir: Path, step: int, variant: Variant, batches: DeviceBatches, meta: dict
) -> Path:
    root = checkpoint_root(run_dir)
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"step-{step:08d}"
    staging = root / f".staging-step-{step:08d}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    for name, network in variant.networks.items():
        save_tensors(staging / f"{name}.safetensors", network.state_dict(), atomic=False)
    for name, network in variant.ema.items():
        save_tensors(staging / f"{name}_ema.safetensors", network.state_dict(), atomic=False)
    tensors: dict[str, torch.Tensor] = {}
    optimizers = {
        name: flatten_state(f"optimizer.{name}", opt.state_dict(), tensors)
        for name, opt in variant.optimizers.items()
    }
    for key, value in variant.extra_state().items():
        tensors[f"extra.{key}"] = value
    batch_meta, batch_rng = batches.state()
    tensors["rng.batches"] = batch_rng
    tensors["rng.torch"] = torch.get_rng_state()
    if variant.device.type == "cuda":
        tensors["rng.cuda"] = torch.cuda.get_rng_state(variant.device)
    save_tensors(staging / "state.safetensors", tensors, atomic=False)
    state = {"step": step, "optimizers": optimizers, "batches": batch_meta, **meta}
    atomic_write_bytes(staging / "state.json", json.dumps(state, indent=1).encode())
    if final.exists():
        shutil.rmtree(final)
    staging.rename(final)
    atomic_write_json(root / "latest", {"step": step, "folder": final.name})
    for old in sorted(root.glob("step-*"))[:-KEEP]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def latest_checkpoint(run_dir: Path) -> Path | None:
    root = checkpoint_root(run_dir)
    try:
        pointer = json.loads((root / "latest").read_text())
        folder = root / pointer["folder"]
        if (folder / "state.json").exists() and "/" not in pointer["folder"]:
            return folder
    except (OSError, ValueError, KeyError, TypeError):
        pass
    complete = [p for p in sorted(root.glob("step-*")) if (p / "state.json").exists()]
    return complete[-1] if complete else None


def match_parameter_layouts(optimizer: torch.optim.Optimizer) -> None:
    """Moments come back from a file contiguous, but a fused optimizer walks each moment and its
    parameter as flat memory, so both must be in the parameter's layout (channels-last image
    networks): otherwise a resumed run updates every weight with another weight's moments."""
    for group in optimizer.param_groups:
        for parameter in group["params"]:
            state = optimizer.state.get(parameter, {})
            for key, value in state.items():
                moment = torch.is_tensor(value) and value.shape == parameter.shape
                if moment and value.stride() != parameter.stride():
                    state[key] = torch.empty_like(parameter, dtype=value.dtype).copy_(value)


def restore_checkpoint(folder: Path, variant: Variant, batches: DeviceBatches) -> dict:
    for name, network in variant.networks.items():
        load_into(network, folder / f"{name}.safetensors", variant.device)
    for name, network in variant.ema.items():
        load_into(network, folder / f"{name}_ema.safetensors", variant.device)
    state = json.loads((folder / "state.json").read_text())
    tensors = load_tensors(folder / "state.safetensors")
    for name, optimizer in variant.optimizers.items():
        if name not in state["optimizers"]:
            raise ZooError(f"{folder}: no state for optimizer {name!r}")
        saved = unflatten_state(state["optimizers"][name], tensors)
        optimizer.load_state_dict(optimizer_state_from_json(saved))
        match_parameter_layouts(optimizer)
    extra = {
        k.removeprefix("extra."): v.to(variant.device)
        for k, v in tensors.items()
        if k.startswith("extra.")
    }
    if extra:
        variant.load_extra_state(extra)
    batches.restore(state["batches"], tensors["rng.batches"])
    torch.set_rng_state(tensors["rng.torch"])
    if "rng.cuda" in tensors and variant.device.type == "cuda":
        torch.cuda.set_rng_state(tensors["rng.cuda"], variant.device)
    return state
