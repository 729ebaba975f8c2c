"""Scores on class probabilities and on known modes: Inception Score, mode coverage (the
VEEGAN/PacGAN protocol), class-histogram coverage."""

from __future__ import annotations

import math
from typing import NamedTuple

import torch

from ganzoo.metrics.arrays import MetricInputError, as_features


class InceptionScore(NamedTuple):
    mean: float
    std: float


def inception_score(probs, splits: int = 10) -> InceptionScore:
    """exp(E_x KL(p(y|x) || p(y))): high when each sample is confidently one class (quality)
    and the classes are used evenly (diversity). Fails when every sample is one class of the
    classifier (anime faces are all "face"), which is why the lectures prefer FID."""
    p = as_features(probs, "probs", min_samples=splits)
    if (p < 0).any() or not torch.allclose(
        p.sum(dim=1), torch.ones(len(p), dtype=p.dtype), atol=1e-4
    ):
        raise MetricInputError(
            "probs: each row must be a probability distribution (>= 0, sums to 1)"
        )
    scores = []
    for part in torch.tensor_split(p, splits):
        marginal = part.mean(dim=0, keepdim=True)
        kl = (part * (part.clamp_min(1e-12).log() - marginal.clamp_min(1e-12).log())).sum(dim=1)
        scores.append(kl.mean().exp())
    stacked = torch.stack(scores)
    return InceptionScore(float(stacked.mean()), float(stacked.std()) if splits > 1 else 0.0)


class ModeCoverage(NamedTuple):
    modes: int
    high_quality: float
    reverse_kl: float


def mode_coverage(samples, centers, std: float, threshold: float = 3.0) -> ModeCoverage:
    """A sample is high quality within `threshold` std of its nearest mode; a mode is captured
    when it is the nearest mode of at least one high-quality sample; reverse KL is that of the
    high-quality samples' mode histogram to the uniform distribution over modes."""
    x = as_features(samples, "samples")
    c = as_features(centers, "centers", device=x.device)
    distances = torch.cdist(x, c)
    nearest = distances.argmin(dim=1)
    good = distances.min(dim=1).values <= threshold * std
    counts = torch.bincount(nearest[good], minlength=len(c)).double()
    return ModeCoverage(
        modes=int((counts > 0).sum()),
        high_quality=float(good.double().mean()),
        reverse_kl=_kl_to_uniform(counts),
    )


class ClassCoverage(NamedTuple):
    modes: int
    kl_to_uniform: float


def class_coverage(labels, num_classes: int) -> ClassCoverage:
    """The labelled-data version: how many classes the samples fall in, and how evenly."""
    counts = torch.bincount(
        torch.as_tensor(labels).long().flatten(), minlength=num_classes
    ).double()
    return ClassCoverage(int((counts > 0).sum()), _kl_to_uniform(counts))


def _kl_to_uniform(counts: torch.Tensor) -> float:
    total = counts.sum()
    if total == 0:
        return math.inf
    q = counts[counts > 0] / total
    return float((q * (q * len(counts)).log()).sum())
