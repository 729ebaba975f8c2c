"""Parzen-window (kernel density) log-likelihood, as the lectures describe it: a Gaussian on
every generated sample, held-out real data scored under the mixture.

Its pathology is the point of keeping it: the figure depends on the bandwidth and the number
of samples, and a handful of k-means centres of the training set can out-score a generator
that produces real images. Report it only next to the measures that catch that.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch

from ganzoo.metrics.arrays import as_features, chunks, same_dimension
from ganzoo.underflow import logsumexp


class ParzenResult(NamedTuple):
    log_likelihood: float
    std_error: float
    sigma: float


def _log_density(test: torch.Tensor, samples: torch.Tensor, sigma: float) -> torch.Tensor:
    d = samples.shape[1]
    out = torch.empty(len(test), dtype=test.dtype)
    for rows in chunks(len(test), 256):
        squared = torch.cdist(test[rows], samples).square()
        out[rows] = logsumexp(-squared / (2 * sigma**2), dim=1).cpu()
    return out - math.log(len(samples)) - d / 2 * math.log(2 * math.pi * sigma**2)


def parzen_log_likelihood(
    samples, test, sigmas=None, validation_fraction: float = 0.5, seed: int = 0
) -> ParzenResult:
    """Mean log p(test) in nats; the bandwidth is the best of `sigmas` on a validation split
    of `test`, and the figure is reported on the rest."""
    samples = as_features(samples, "samples", min_samples=1)
    test = as_features(test, "test", min_samples=2, device=samples.device)
    same_dimension(samples, test)
    sigmas = list(sigmas) if sigmas is not None else torch.logspace(-1.5, 0.5, 17).tolist()
    order = torch.randperm(len(test), generator=torch.Generator().manual_seed(seed))
    n_val = max(1, int(len(test) * validation_fraction))
    validation, held_out = test[order[:n_val]], test[order[n_val:]]
    best = max(sigmas, key=lambda s: float(_log_density(validation, samples, s).mean()))
    scores = _log_density(held_out, samples, best)
    return ParzenResult(float(scores.mean()), float(scores.std() / math.sqrt(len(scores))), best)
