"""Evaluation during training (`--eval-every N`): track a metric, keep the best model, and warn
when samples collapse (LECTURES.md section 3: mode collapse cannot be fully prevented; BigGAN's
remedy is to keep the checkpoint from before the collapse)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import torch

from ganzoo.contracts import DataKind, TensorData, Variant
from ganzoo.errors import ConfigError

PROVIDER_OF = {
    "fid": "fid", "kid": "kid", "precision": "pr", "recall": "pr", "density": "dc",
    "coverage": "dc", "is": "is", "modes": "modes", "high_quality": "modes", "reverse_kl": "modes",
    "nll_oracle": "nll-oracle", "bleu2": "bleu", "bleu3": "bleu", "bleu4": "bleu", "bleu5": "bleu",
}  # fmt: skip
LOWER_IS_BETTER = {"fid", "kid", "reverse_kl", "nll_oracle"}


class EvalMonitor:
    def __init__(self, data: TensorData, metric: str, samples: int):
        if metric not in PROVIDER_OF:
            raise ConfigError(
                f"--eval-metric takes one of {', '.join(PROVIDER_OF)}, not {metric!r}"
            )
        if metric in ("modes", "high_quality", "reverse_kl") and data.info.kind != DataKind.POINTS:
            raise ConfigError(f"--eval-metric {metric} needs data with known modes (ring8, grid25)")
        if metric == "nll_oracle" and "oracle_seed" not in data.info.extra:
            raise ConfigError("--eval-metric nll_oracle needs oracle data (--data oracle[...])")
        from ganzoo.engine.evaluation import metric_providers

        metric_providers([PROVIDER_OF[metric]], data.info.kind)  # applies to this data, or stop
        self.data = data
        self.metric = metric
        self.samples = samples
        self.best: float | None = None
        self.best_step: int | None = None
        self.reference_spread: float | None = None

    def _better(self, value: float) -> bool:
        if self.best is None:
            return True
        return value < self.best if self.metric in LOWER_IS_BETTER else value > self.best

    def __call__(self, variant: Variant, step: int) -> tuple[dict[str, float], bool]:
        """Scores at this step, and whether they are the best so far."""
        from ganzoo.engine.evaluation import as_evaluated, evaluate_samples

        labels = variant.evaluation_conditions(self.data, self.samples)
        fake_samples = as_evaluated(variant.sample(self.samples, labels=labels, seed=12345))
        scores, real, fake = evaluate_samples(self.data, fake_samples, [PROVIDER_OF[self.metric]])
        values = {f"eval_{k}": v for group in scores.values() for k, v in group.items()}
        value = values[f"eval_{self.metric}"]
        self._warn_on_collapse(step, real, fake)
        improved = math.isfinite(value) and self._better(value)
        if improved:
            self.best, self.best_step = value, step
        return values, improved

    def _warn_on_collapse(self, step: int, real, fake) -> None:
        if self.data.info.kind == DataKind.TOKENS:
            return  # no feature space to measure spread in; self-BLEU reports diversity
        spread = float(torch.pdist(fake.features[:500].double()).mean())
        if self.reference_spread is None:
            self.reference_spread = float(torch.pdist(real.features[:500].double()).mean())
        message = None
        if spread < 0.5 * self.reference_spread:
            message = (
                f"sample diversity fell to {spread / self.reference_spread:.0%} of the real "
                "data's (mean pairwise feature distance)"
            )
        if fake.probs is not None and self.data.info.num_classes:
            classes = fake.probs.argmax(dim=1)
            used = int(torch.bincount(classes, minlength=self.data.info.num_classes).gt(0).sum())
            if used < 0.8 * self.data.info.num_classes:
                message = f"samples fall in only {used} of {self.data.info.num_classes} classes"
        if message:
            best = (
                f"; the best model so far (step {self.best_step}) is in best/"
                if self.best_step
                else ""
            )
            print(
                f"warning: possible mode collapse at step {step}: {message}{best}", file=sys.stderr
            )


def best_folder(run_dir: Path) -> Path:
    return run_dir / "best"
