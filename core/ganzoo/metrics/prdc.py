"""Precision/recall (Kynkäänniemi et al. 2019) and density/coverage (Naeem et al. 2020) from
k-nearest-neighbour balls, sharing one pass of chunked pairwise distances."""

from __future__ import annotations

from typing import NamedTuple

import torch

from ganzoo.metrics.arrays import (
    as_features,
    chunk_rows,
    chunks,
    kth_neighbour_radii,
    pairwise_distances,
    same_dimension,
    squared_norms,
)


class PrecisionRecall(NamedTuple):
    precision: float
    recall: float


class DensityCoverage(NamedTuple):
    density: float
    coverage: float


class NeighbourStatistics(NamedTuple):
    precision: float
    recall: float
    density: float
    coverage: float


def neighbour_statistics(real, fake, k_pr: int = 3, k_dc: int = 5) -> NeighbourStatistics:
    """All four measures from one pass over each block of distances (real-real, fake-fake,
    real-fake), chunked so that 50k × 50k fits in a few GB."""
    real = as_features(real, "real", min_samples=max(k_pr, k_dc) + 1, dtype=None)
    fake = as_features(fake, "fake", min_samples=k_pr + 1, device=real.device, dtype=real.dtype)
    same_dimension(real, fake)
    real_radii = kth_neighbour_radii(real, (k_pr, k_dc))
    fake_radii = kth_neighbour_radii(fake, (k_pr,))[k_pr]
    real_norms, fake_norms = squared_norms(real), squared_norms(fake)
    precise = torch.zeros(len(fake), dtype=torch.bool, device=real.device)
    density_hits = torch.zeros(len(fake), dtype=torch.float64, device=real.device)
    recalled = torch.zeros(len(real), dtype=torch.bool, device=real.device)
    nearest_fake = torch.empty(len(real), dtype=real.dtype, device=real.device)
    for rows in chunks(len(real), chunk_rows(len(fake))):
        block = pairwise_distances(real[rows], fake, real_norms[rows], fake_norms)
        precise |= (block < real_radii[k_pr][rows, None]).any(dim=0)
        density_hits += (block < real_radii[k_dc][rows, None]).sum(dim=0)
        recalled[rows] = (block < fake_radii[None, :]).any(dim=1)
        nearest_fake[rows] = block.min(dim=1).values
    return NeighbourStatistics(
        precision=float(precise.double().mean()),
        recall=float(recalled.double().mean()),
        density=float(density_hits.sum() / (k_dc * len(fake))),
        coverage=float((nearest_fake < real_radii[k_dc]).double().mean()),
    )


def precision_recall(real, fake, k: int = 3) -> PrecisionRecall:
    stats = neighbour_statistics(real, fake, k_pr=k, k_dc=k)
    return PrecisionRecall(stats.precision, stats.recall)


def density_coverage(real, fake, k: int = 5) -> DensityCoverage:
    stats = neighbour_statistics(real, fake, k_pr=k, k_dc=k)
    return DensityCoverage(stats.density, stats.coverage)
