"""Input checks and chunked distances shared by every metric (numpy or torch, any device)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from torch import Tensor

from ganzoo.errors import ZooError


class MetricInputError(ZooError):
    """Feature arrays a metric cannot use (shapes, too few samples, NaN)."""


def as_features(
    array,
    name: str,
    min_samples: int = 1,
    device=None,
    dtype: torch.dtype | None = torch.float64,
) -> Tensor:
    """A finite N×D tensor; images and other shapes are flattened per sample. `dtype=None`
    keeps float32/float64 input as it is (distances in float32 are exact enough and 2× faster)."""
    tensor = torch.as_tensor(np.asarray(array) if not isinstance(array, Tensor) else array)
    if dtype is None:
        dtype = tensor.dtype if tensor.dtype in (torch.float32, torch.float64) else torch.float32
    if tensor.dim() == 1:
        raise MetricInputError(
            f"{name}: expected one feature vector per row, got shape {tuple(tensor.shape)}"
        )
    tensor = tensor.reshape(len(tensor), -1).to(device=device or tensor.device, dtype=dtype)
    if len(tensor) < min_samples:
        raise MetricInputError(
            f"{name}: {len(tensor)} samples, this metric needs at least {min_samples}"
        )
    if not torch.isfinite(tensor).all():
        bad = int((~torch.isfinite(tensor)).any(dim=1).sum())
        raise MetricInputError(f"{name}: {bad} sample(s) contain NaN or Inf")
    return tensor


def same_dimension(real: Tensor, fake: Tensor) -> None:
    if real.shape[1] != fake.shape[1]:
        raise MetricInputError(
            f"feature dimensions differ: real has {real.shape[1]}, fake has {fake.shape[1]}"
        )


def chunks(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def chunk_rows(other: int, budget_bytes: int = 256 * 2**20, itemsize: int = 8) -> int:
    """Rows per distance block so that a block stays within `budget_bytes`."""
    return max(1, budget_bytes // max(1, other * itemsize))


def squared_norms(x: Tensor) -> Tensor:
    return (x * x).sum(dim=1)


def pairwise_distances(
    a: Tensor, b: Tensor, a_norms: Tensor | None = None, b_norms: Tensor | None = None
) -> Tensor:
    """Euclidean distances between rows, by the expansion |a|² + |b|² - 2ab (a matmul)."""
    a_norms = squared_norms(a) if a_norms is None else a_norms
    b_norms = squared_norms(b) if b_norms is None else b_norms
    squared = a_norms[:, None] + b_norms[None, :] - 2 * a @ b.T
    return squared.clamp_min_(0).sqrt_()


def kth_neighbour_radii(
    x: Tensor, ks: tuple[int, ...], budget_bytes: int = 256 * 2**20
) -> dict[int, Tensor]:
    """Distance from each row to its k-th nearest other row (self excluded), for every k in
    `ks` from one pass.

    Distances are symmetric, so only blocks on and above the diagonal are computed; each
    serves its rows and, transposed, its columns. Running k+1 smallest values are kept per row.
    """
    n, k = len(x), max(ks)
    norms = squared_norms(x)
    side = max(k + 1, min(1024, int((budget_bytes / x.element_size()) ** 0.5)))
    nearest = torch.full((n, k + 1), float("inf"), dtype=x.dtype, device=x.device)

    def merge(rows: slice, block: Tensor) -> None:
        both = torch.cat([nearest[rows], block], dim=1)
        nearest[rows] = both.topk(k + 1, dim=1, largest=False).values

    for rows in chunks(n, side):
        for cols in chunks(n, side):
            if cols.start < rows.start:
                continue
            block = pairwise_distances(x[rows], x[cols], norms[rows], norms[cols])
            merge(rows, block)
            if cols.start != rows.start:
                merge(cols, block.T)
    return {each: nearest[:, each] for each in ks}
