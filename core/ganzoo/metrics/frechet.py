"""Fréchet distance (FID on whatever features are given) and the kernel distance (KID)."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from ganzoo.metrics.arrays import as_features, same_dimension


def _moments(x: Tensor) -> tuple[Tensor, Tensor]:
    mean = x.mean(dim=0)
    centred = x - mean
    if centred.device.type == "cpu":
        # numpy's matmul spots AᵀA and calls BLAS syrk, half the work of torch's general product
        rows = centred.detach().numpy()
        return mean, torch.from_numpy(rows.T @ rows) / (len(x) - 1)
    return mean, centred.T @ centred / (len(x) - 1)


def _psd_sqrt(matrix: Tensor) -> Tensor:
    values, vectors = torch.linalg.eigh(matrix)
    return (vectors * values.clamp_min(0).sqrt()) @ vectors.T


def _trace_sqrt_product(cov_r: Tensor, cov_f: Tensor) -> Tensor:
    """tr((S_r S_f)^½) from the eigenvalues of a symmetric matrix similar to S_r S_f: Lᵀ S_f L
    with S_r = L Lᵀ (Cholesky, cheap), or S_r^½ S_f S_r^½ when S_r is singular (fewer samples
    than dimensions, constant features)."""
    factor, info = torch.linalg.cholesky_ex(cov_r)
    if int(info) == 0:
        inner = factor.T @ cov_f @ factor
    else:
        root = _psd_sqrt(cov_r)
        inner = root @ cov_f @ root
    return torch.linalg.eigvalsh((inner + inner.T) / 2).clamp_min(0).sqrt().sum()


def frechet_distance(real, fake) -> float:
    """||mu_r - mu_f||² + tr(S_r + S_f - 2 (S_r S_f)^½), in float64.

    Only the trace of the square root is needed, and it is the sum of the square roots of the
    eigenvalues of a symmetric matrix similar to S_r S_f, so a symmetric eigendecomposition
    replaces scipy's general (slow, sometimes complex) sqrtm.
    """
    real = as_features(real, "real", min_samples=2)
    fake = as_features(fake, "fake", min_samples=2, device=real.device)
    same_dimension(real, fake)
    mean_r, cov_r = _moments(real)
    mean_f, cov_f = _moments(fake)
    trace_root = _trace_sqrt_product(cov_r, cov_f)
    distance = (mean_r - mean_f).square().sum() + cov_r.trace() + cov_f.trace() - 2 * trace_root
    return float(distance)


class KID(NamedTuple):
    mean: float
    std: float


def kernel_inception_distance(
    real, fake, subsets: int = 100, subset_size: int = 1000, seed: int = 0
) -> KID:
    """Unbiased MMD² with the cubic polynomial kernel k(x, y) = (x·y / d + 1)³, averaged over
    random subsets (Bińkowski et al. 2018)."""
    real = as_features(real, "real", min_samples=2)
    fake = as_features(fake, "fake", min_samples=2, device=real.device)
    same_dimension(real, fake)
    m = min(subset_size, len(real), len(fake))
    d = real.shape[1]
    rng = torch.Generator().manual_seed(seed)
    values = []
    for _ in range(subsets):
        x = real[torch.randperm(len(real), generator=rng)[:m].to(real.device)]
        y = fake[torch.randperm(len(fake), generator=rng)[:m].to(real.device)]
        k_xx = (x @ x.T / d + 1) ** 3
        k_yy = (y @ y.T / d + 1) ** 3
        k_xy = (x @ y.T / d + 1) ** 3
        within = (k_xx.sum() - k_xx.trace() + k_yy.sum() - k_yy.trace()) / (m * (m - 1))
        values.append(within - 2 * k_xy.mean())
    stacked = torch.stack(values)
    return KID(float(stacked.mean()), float(stacked.std()) if len(values) > 1 else 0.0)
