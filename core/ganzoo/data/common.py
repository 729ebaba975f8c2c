"""Helpers every dataset provider shares: kind negotiation, option parsing, image resizing."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ganzoo.contracts import DataKind, DataRequest
from ganzoo.errors import DataError


def choose_kind(provider_id: str, offered: tuple[DataKind, ...], request: DataRequest) -> DataKind:
    for kind in request.kinds:
        if kind in offered:
            return kind
    wanted = " or ".join(k.value for k in request.kinds)
    have = " and ".join(k.value for k in offered)
    raise DataError(f"{request.variant} needs {wanted} data; {provider_id!r} provides {have}")


def parse_options(provider_id: str, argument: str | None, defaults: dict[str, float]) -> dict:
    """`name:key=value,key=value` options, typed like their defaults."""
    options = dict(defaults)
    for item in filter(None, (argument or "").split(",")):
        key, sep, value = item.partition("=")
        if not sep or key not in defaults:
            raise DataError(
                f"{provider_id}: unknown option {item!r}; options are "
                + ", ".join(f"{k}={v}" for k, v in defaults.items())
            )
        try:
            options[key] = type(defaults[key])(value)
        except ValueError:
            raise DataError(f"{provider_id}: {key} must be a number, not {value!r}") from None
    return options


def path_and_options(
    provider_id: str, argument: str | None, defaults: dict
) -> tuple[str | None, dict]:
    """`PATH,key=value,...`, `key=value,...` or `PATH`: the path (None when absent) and options."""
    items = [item for item in (argument or "").split(",") if item]
    path = items.pop(0) if items and "=" not in items[0] else None
    return path, parse_options(provider_id, ",".join(items), defaults)


def resize_images(images: Tensor, size: int) -> Tensor:
    """Area-preserving resample of N×C×H×W images to size×size (antialiased when shrinking)."""
    if images.shape[-1] == size and images.shape[-2] == size:
        return images
    shrinking = images.shape[-1] > size
    return F.interpolate(
        images, size=(size, size), mode="bilinear", align_corners=False, antialias=shrinking
    ).clamp(-1, 1)


def match_channels(images: Tensor, channels: int | None) -> Tensor:
    if channels is None or images.shape[1] == channels:
        return images
    if images.shape[1] == 1:
        return images.expand(-1, channels, -1, -1).contiguous()
    if channels == 1:
        return images.mean(dim=1, keepdim=True)
    raise DataError(f"cannot turn {images.shape[1]}-channel images into {channels} channels")


def fixed_split(n: int, test_fraction: float) -> tuple[Tensor, Tensor]:
    """The same train/test split on every machine and every run (seed 0, not the run's)."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(0))
    n_test = round(n * test_fraction)
    return order[n_test:], order[:n_test]
