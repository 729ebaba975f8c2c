"""The metrics `zoo eval` offers, registered through the metric hook like a third-party one."""

from __future__ import annotations

import torch

from ganzoo.contracts import DataInfo, DataKind, EvalSet, Metric
from ganzoo.data.oracle import nll_oracle, oracle_for
from ganzoo.data.text import trim
from ganzoo.hookspecs import PLUGIN_API_VERSION, hookimpl
from ganzoo.metrics import (
    c2st,
    frechet_distance,
    inception_score,
    kernel_inception_distance,
    mode_coverage,
    neighbour_statistics,
)
from ganzoo.metrics.text import bleu, self_bleu

ANY = (DataKind.POINTS, DataKind.IMAGES, DataKind.LABELLED_IMAGES, DataKind.CAPTIONED_IMAGES)


class FID(Metric):
    id = "fid"
    description = "Fréchet distance between Gaussians fitted to real and generated features"
    higher_is_better = False
    kinds = ANY

    def compute(self, real: EvalSet, fake: EvalSet, data: DataInfo) -> dict[str, float]:
        return {"fid": frechet_distance(real.features, fake.features)}


class KIDMetric(Metric):
    id = "kid"
    description = "unbiased MMD² with a cubic polynomial kernel, over random subsets"
    higher_is_better = False
    kinds = ANY

    def compute(self, real: EvalSet, fake: EvalSet, data: DataInfo) -> dict[str, float]:
        size = min(1000, len(real.features), len(fake.features))
        kid = kernel_inception_distance(real.features, fake.features, subsets=100, subset_size=size)
        return {"kid": kid.mean, "kid_std": kid.std}

    def protocol(self) -> str:
        return "100 subsets of min(1000, n)"


def as_many_real(real: EvalSet, fake: EvalSet) -> torch.Tensor:
    """Real features cut to the number of generated samples (a fixed random subset): k-NN radii
    shrink as the real set grows, so the papers compare equal numbers (and 50,000 bundled 2-D
    points against 500 samples would also take seconds of distances for nothing)."""
    features = real.features
    n = len(fake.features)
    if len(features) <= n:
        return features
    keep = torch.randperm(len(features), generator=torch.Generator().manual_seed(0))[:n]
    return features[keep.to(features.device)]


class PrecisionRecallMetric(Metric):
    id = "pr"
    description = "precision (fidelity) and recall (diversity) from k-NN balls, k = 3"
    higher_is_better = True
    kinds = ANY

    def compute(self, real: EvalSet, fake: EvalSet, data: DataInfo) -> dict[str, float]:
        stats = neighbour_statistics(as_many_real(real, fake), fake.features, k_pr=3, k_dc=3)
        return {"precision": stats.precision, "recall": stats.recall}

    def protocol(self) -> str:
        return "k = 3, as many real as generated samples"


class DensityCoverageMetric(Metric):
    id = "dc"
    description = "density and coverage from k-NN balls of real samples, k = 5"
    higher_is_better = True
    kinds = ANY

    def compute(self, real: EvalSet, fake: EvalSet, data: DataInfo) -> dict[str, float]:
        stats = neighbour_statistics(as_many_real(real, fake), fake.features, k_pr=5, k_dc=5)
        return {"density": stats.density, "coverage": stats.coverage}

    def protocol(self) -> str:
        return "k = 5, as many real as generated samples"


class ISMetric(Metric):
    id = "is"
    description = "Inception Score from the feature extractor's class probabilities"
    higher_is_better = True

    def compute(self, real: EvalSet, fake: EvalSet, data: DataInfo) -> dict[str, float]:
        score = inception_score(fake.probs, splits=10)
        return {"is": score.mean, "is_std": score.std, "is_real": inception_score(real.probs).mean}

    def protocol(self) -> str:
        return "10 splits"


class Modes(Metric):
    id = "modes"
    description = "modes captured, high-quality fraction, reverse KL (known mixture modes)"
    higher_is_better = True
    kinds = (DataKind.POINTS,)

    def compute(self, real: EvalSet, fake: EvalSet, data: DataInfo) -> dict[str, float]:
        result = mode_coverage(fake.samples, data.extra["centers"], data.extra["std"])
        return {
            "modes": result.modes,
            "high_quality": result.high_quality,
            "reverse_kl": result.reverse_kl,
        }

    def protocol(self) -> str:
        return "within 3 std of the nearest mode"


class C2STMetric(Metric):
    id = "c2st"
    description = "1-NN classifier two-sample test: accuracy near 0.5 is good"
    higher_is_better = False
    kinds = ANY

    def compute(self, real: EvalSet, fake: EvalSet, data: DataInfo) -> dict[str, float]:
        result = c2st(real.features, fake.features)
        return {"c2st_accuracy": result.accuracy, "c2st_p": result.p_value}


class NLLOracle(Metric):
    id = "nll-oracle"
    description = "mean per-token negative log-likelihood of samples under the data's oracle"
    higher_is_better = False
    kinds = (DataKind.TOKENS,)

    def compute(self, real: EvalSet, fake: EvalSet, data: DataInfo) -> dict[str, float]:
        oracle = oracle_for(data)
        return {
            "nll_oracle": nll_oracle(oracle, fake.samples),
            "nll_oracle_real": nll_oracle(oracle, real.samples),
        }

    def protocol(self) -> str:
        return "nats per token, all samples (the paper: 10,000)"


class BLEUMetric(Metric):
    id = "bleu"
    description = "BLEU-2..5 of samples against the held-out sequences (fidelity)"
    higher_is_better = True
    kinds = (DataKind.TOKENS,)

    def compute(self, real: EvalSet, fake: EvalSet, data: DataInfo) -> dict[str, float]:
        scores = bleu(trim(fake.samples, data), trim(real.samples, data))
        return {f"bleu{n}": value for n, value in scores.by_order.items()}

    def protocol(self) -> str:
        return "sentence BLEU, uniform weights, smoothing method 1 (eps 0.1), mean over samples"


class SelfBLEUMetric(Metric):
    id = "self-bleu"
    description = "self-BLEU-2..5: each sample against the others (lower is more diverse)"
    higher_is_better = False
    kinds = (DataKind.TOKENS,)

    def compute(self, real: EvalSet, fake: EvalSet, data: DataInfo) -> dict[str, float]:
        scores = self_bleu(trim(fake.samples, data))
        return {f"self_bleu{n}": value for n, value in scores.by_order.items()}

    def protocol(self) -> str:
        return "as bleu, each sample against all other samples"


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_metrics() -> list[Metric]:
    return [
        FID(),
        KIDMetric(),
        PrecisionRecallMetric(),
        DensityCoverageMetric(),
        ISMetric(),
        Modes(),
        C2STMetric(),
        NLLOracle(),
        BLEUMetric(),
        SelfBLEUMetric(),
    ]
