"""Statistical tests of a generated set: NDB (Richardson & Weiss 2018) and C2ST."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch

from ganzoo.metrics.arrays import as_features, same_dimension


class NDBResult(NamedTuple):
    different_bins: int
    fraction: float
    p_values: list[float]
    train_proportions: list[float]
    generated_proportions: list[float]


def _normal_sf(z: np.ndarray) -> np.ndarray:
    return 0.5 * np.vectorize(math.erfc)(z / math.sqrt(2))


def ndb(train, test, generated, bins: int = 20, alpha: float = 0.05, seed: int = 0) -> NDBResult:
    """Number of statistically Different Bins: k-means cells fitted on `train`; the share of
    `generated` samples in each cell is compared with the share of `test` (held-out real)
    samples by a two-proportion z-test. Dropped or over-produced modes show as flagged cells."""
    from sklearn.cluster import KMeans

    train = as_features(train, "train", min_samples=bins).cpu().numpy()
    test = as_features(test, "test", min_samples=2).cpu().numpy()
    generated = as_features(generated, "generated", min_samples=2).cpu().numpy()
    kmeans = KMeans(n_clusters=bins, n_init=4, random_state=seed).fit(train)
    counts_test = np.bincount(kmeans.predict(test), minlength=bins)
    counts_gen = np.bincount(kmeans.predict(generated), minlength=bins)
    p_test, p_gen = counts_test / len(test), counts_gen / len(generated)
    pooled = (counts_test + counts_gen) / (len(test) + len(generated))
    se = np.sqrt(pooled * (1 - pooled) * (1 / len(test) + 1 / len(generated)))
    z = np.abs(p_test - p_gen) / np.where(se > 0, se, np.inf)
    p_values = 2 * _normal_sf(z)
    flagged = int((p_values < alpha).sum())
    return NDBResult(flagged, flagged / bins, p_values.tolist(), p_test.tolist(), p_gen.tolist())


class C2ST(NamedTuple):
    accuracy: float
    p_value: float


def c2st(real, fake, seed: int = 0) -> C2ST:
    """Classifier two-sample test (Lopez-Paz & Oquab 2017) with a 1-nearest-neighbour
    classifier: trained on half of each set, its accuracy on the other half is ~0.5 when the
    sets come from one distribution; the p-value is that of a binomial test against 0.5."""
    from sklearn.neighbors import KNeighborsClassifier

    real = as_features(real, "real", min_samples=4).cpu().numpy()
    fake = as_features(fake, "fake", min_samples=4).cpu().numpy()
    same_dimension(torch.from_numpy(real), torch.from_numpy(fake))
    n = min(len(real), len(fake))
    rng = np.random.default_rng(seed)
    real, fake = real[rng.permutation(len(real))[:n]], fake[rng.permutation(len(fake))[:n]]
    half = n // 2
    x_train = np.concatenate([real[:half], fake[:half]])
    y_train = np.r_[np.zeros(half), np.ones(half)]
    x_test = np.concatenate([real[half:], fake[half:]])
    y_test = np.r_[np.zeros(n - half), np.ones(n - half)]
    predicted = KNeighborsClassifier(n_neighbors=1).fit(x_train, y_train).predict(x_test)
    accuracy = float((predicted == y_test).mean())
    trials = len(y_test)
    z = (accuracy - 0.5) * trials / math.sqrt(trials * 0.25)
    return C2ST(accuracy, float(_normal_sf(np.array([z]))[0]))
