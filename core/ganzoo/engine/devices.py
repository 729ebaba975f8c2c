"""`--device auto|cpu|cuda|cuda:N|mps`, resolved in one place."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Literal

import torch

from ganzoo.errors import ConfigError

Precision = Literal["auto", "fp32", "bf16"]


def resolve_device(spec: str = "auto", local_rank: int = 0) -> torch.device:
    spec = spec.strip().lower()
    if spec == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", local_rank % torch.cuda.device_count())
        return torch.device("cpu")
    if spec == "cpu":
        return torch.device("cpu")
    if spec == "mps":
        if not torch.backends.mps.is_available():
            raise ConfigError("--device mps: this machine has no Metal (MPS) device")
        return torch.device("mps")
    match = re.fullmatch(r"cuda(?::(\d+))?", spec)
    if match:
        if not torch.cuda.is_available():
            raise ConfigError(f"--device {spec}: CUDA is not available on this machine (try cpu)")
        index = int(match.group(1)) if match.group(1) else local_rank
        if index >= torch.cuda.device_count():
            raise ConfigError(f"--device {spec}: only {torch.cuda.device_count()} CUDA device(s)")
        return torch.device("cuda", index)
    raise ConfigError(f"--device takes auto, cpu, cuda, cuda:N or mps, not {spec!r}")


def autocast_for(
    device: torch.device, precision: Precision, cache: bool = True
) -> AbstractContextManager:
    """bf16 autocast on CUDA by default; full precision on CPU unless asked. A step recorded
    as a CUDA graph needs `cache=False`: cached casts would outlive the recording."""
    use_bf16 = precision == "bf16" or (precision == "auto" and device.type == "cuda")
    if not use_bf16:
        return nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16, cache_enabled=cache)


def seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(False)


@contextmanager
def denormals_flushed(device: torch.device) -> Iterator[None]:
    """On CPU, treat denormal floats as zero while training: GAN weights drawn from
    N(0, 0.02) and their Adam updates produce many, and x86 handles them slowly."""
    if device.type != "cpu":
        yield
        return
    previous = torch.set_flush_denormal(True)
    try:
        yield
    finally:
        if not previous:
            torch.set_flush_denormal(False)
