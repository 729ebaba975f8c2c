"""Memorisation and support size: copies of training images (robust to small shifts and
mirror flips) and the birthday-paradox estimate of how many distinct samples a generator has
(Arora & Zhang, "Do GANs learn the distribution?", 2018)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import NamedTuple

import torch
from torch import Tensor

from ganzoo.metrics.arrays import (
    MetricInputError,
    as_features,
    chunk_rows,
    chunks,
    pairwise_distances,
)


class BirthdaySupport(NamedTuple):
    support: float
    batch_size: int
    collision_rate: float
    pairs: list[tuple[int, int]]


def _has_duplicate(batch: Tensor, threshold: float) -> tuple[bool, tuple[int, int] | None]:
    distances = pairwise_distances(batch, batch)
    distances.fill_diagonal_(math.inf)
    flat = int(distances.argmin())
    i, j = divmod(flat, len(batch))
    return bool(distances[i, j] < threshold), (i, j)


def birthday_support(
    samples,
    threshold: float,
    trials: int = 200,
    seed: int = 0,
    sheet: Path | None = None,
    images=None,
) -> BirthdaySupport:
    """Support size N from the collision rate p of random batches of size s drawn from
    `samples`: for a uniform support, p = 1 - exp(-s(s-1) / 2N), so N = s(s-1) / (-2 ln(1 - p)).
    The batch size doubles until collisions are common (p >= 0.5), as in the paper's protocol.

    Two samples are duplicates when closer than `threshold` (in the given feature space).
    With `sheet`, the duplicate pairs found are written side by side for a human to check.
    """
    x = as_features(samples, "samples", min_samples=4)
    rng = torch.Generator().manual_seed(seed)
    s, rate, found = 2, 0.0, []
    while True:
        if s > len(x):
            raise MetricInputError(
                f"no batch of up to {len(x)} samples had duplicates half the time; the support "
                f"is larger than about {len(x) ** 2 / (2 * math.log(2)):.0f}: draw more samples"
            )
        hits, found = 0, []
        for _ in range(trials):
            index = torch.randperm(len(x), generator=rng)[:s].to(x.device)
            duplicate, pair = _has_duplicate(x[index], threshold)
            if duplicate:
                hits += 1
                found.append((int(index[pair[0]]), int(index[pair[1]])))
        rate = hits / trials
        if rate >= 0.5:
            break
        s *= 2
    rate = min(rate, 1 - 1 / (2 * trials))
    support = s * (s - 1) / (-2 * math.log(1 - rate))
    if sheet is not None and found:
        _pair_sheet(images if images is not None else samples, found[:32], sheet)
    return BirthdaySupport(support, s, rate, found)


class NearestCopies(NamedTuple):
    distances: Tensor
    train_index: Tensor
    transform: list[str]
    worst: list[int]


def _transforms(images: Tensor, shift: int, flips: bool) -> tuple[Tensor, list[str]]:
    variants, names = [], []
    for mirrored in (False, True) if flips else (False,):
        base = images.flip(-1) if mirrored else images
        for dy in range(-shift, shift + 1):
            for dx in range(-shift, shift + 1):
                variants.append(_shifted(base, dy, dx))
                names.append(f"{'flip+' if mirrored else ''}shift({dy},{dx})")
    return torch.stack(variants), names


def _shifted(images: Tensor, dy: int, dx: int) -> Tensor:
    """Translate with the background value (the image minimum) filling the uncovered border."""
    out = torch.full_like(images, float(images.min()))
    h, w = images.shape[-2:]
    out[..., max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = images[
        ..., max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return out


def nearest_copies(
    generated, train, shift: int = 2, flips: bool = True, worst: int = 16, sheet: Path | None = None
) -> NearestCopies:
    """For each generated image, the distance to the closest training image under every shift
    up to `shift` pixels and (optionally) a mirror flip: copies that pixel-space nearest
    neighbours miss (the lectures' counter-examples) come out at distance ~0."""
    gen = torch.as_tensor(generated).double()
    ref = torch.as_tensor(train).double()
    if gen.dim() != 4 or ref.dim() != 4 or gen.shape[1:] != ref.shape[1:]:
        raise MetricInputError("nearest_copies takes two N×C×H×W image batches of the same size")
    variants, names = _transforms(ref, shift, flips)
    flat = variants.reshape(-1, ref[0].numel())
    queries = as_features(gen, "generated")
    norms = (flat * flat).sum(dim=1)
    best = torch.full((len(queries),), math.inf, dtype=torch.float64)
    where = torch.zeros(len(queries), dtype=torch.long)
    for rows in chunks(len(queries), chunk_rows(len(flat))):
        block = pairwise_distances(queries[rows], flat, b_norms=norms) / math.sqrt(flat.shape[1])
        values, index = block.min(dim=1)
        best[rows], where[rows] = values, index
    order = best.argsort()[:worst].tolist()
    result = NearestCopies(best, where % len(ref), [names[i // len(ref)] for i in where], order)
    if sheet is not None:
        pairs = [(i, int(result.train_index[i])) for i in order]
        _pair_sheet(torch.cat([gen, ref]), [(i, len(gen) + j) for i, j in pairs], sheet)
    return result


def _pair_sheet(images, pairs: list[tuple[int, int]], path: Path) -> Path:
    from ganzoo.engine.pictures import save_grid

    images = torch.as_tensor(images).float()
    if images.dim() != 4:
        raise MetricInputError("an image sheet needs image samples (N×C×H×W)")
    tiles = torch.stack([images[k] for pair in pairs for k in pair])
    return save_grid(tiles, path, nrow=2)
