"""Safetensors in and out, atomically; optimizer state flattened to tensors plus JSON.

No pickle anywhere: weights in other formats are refused with an explanation.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import Tensor

from ganzoo.errors import ZooError

PICKLE_SUFFIXES = {".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle"}


def refuse_pickle(path: Path) -> None:
    if path.suffix.lower() in PICKLE_SUFFIXES:
        raise ZooError(
            f"{path.name}: {path.suffix} weights are Python pickles, which can run arbitrary code "
            "when loaded; gan-zoo reads safetensors only. Convert them where you trust the file: "
            "safetensors.torch.save_file(torch.load(f, weights_only=True), 'x.safetensors')"
        )


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def atomic_write_json(path: Path, data: Any) -> None:
    atomic_write_bytes(path, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode())


def save_tensors(
    path: Path,
    tensors: dict[str, Tensor],
    metadata: dict[str, str] | None = None,
    atomic: bool = True,
) -> None:
    plain = {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}
    if not atomic:
        save_file(plain, str(path), metadata=metadata)
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    save_file(plain, str(tmp), metadata=metadata)
    os.replace(tmp, path)


def load_tensors(path: Path, device: torch.device | str = "cpu") -> dict[str, Tensor]:
    refuse_pickle(path)
    try:
        return load_file(str(path), device=str(device))
    except FileNotFoundError:
        raise ZooError(f"{path}: file not found") from None
    except Exception as err:
        raise ZooError(f"{path}: not a readable safetensors file ({err})") from None


def flatten_state(prefix: str, state: Any, tensors: dict[str, Tensor]) -> Any:
    """Replace every tensor in a nested state dict by a reference to `tensors`."""
    if isinstance(state, Tensor):
        key = prefix
        tensors[key] = state
        return {"__tensor__": key}
    if isinstance(state, dict):
        return {str(k): flatten_state(f"{prefix}.{k}", v, tensors) for k, v in state.items()}
    if isinstance(state, (list, tuple)):
        return [flatten_state(f"{prefix}.{i}", v, tensors) for i, v in enumerate(state)]
    return state


def unflatten_state(state: Any, tensors: dict[str, Tensor]) -> Any:
    if isinstance(state, dict):
        if set(state) == {"__tensor__"}:
            return tensors[state["__tensor__"]]
        return {k: unflatten_state(v, tensors) for k, v in state.items()}
    if isinstance(state, list):
        return [unflatten_state(v, tensors) for v in state]
    return state


def optimizer_state_from_json(state: dict) -> dict:
    """JSON turned parameter indices into strings; torch wants them back as ints."""
    state = dict(state)
    state["state"] = {int(k): v for k, v in state["state"].items()}
    return state
