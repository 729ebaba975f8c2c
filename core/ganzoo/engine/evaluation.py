"""`zoo eval`: sample a model, extract features of real and generated data with one extractor,
and compute every asked-for metric with its protocol written next to it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ganzoo.contracts import DataKind, EvalSet, Metric, TensorData, Variant
from ganzoo.engine.runfolder import CARD_FILE, read_config
from ganzoo.engine.tensorio import atomic_write_bytes
from ganzoo.errors import ConfigError

DEFAULT_METRICS = {
    DataKind.POINTS: ["modes", "fid", "pr", "dc"],
    DataKind.IMAGES: ["fid", "kid", "pr", "dc", "is"],
    DataKind.LABELLED_IMAGES: ["fid", "kid", "pr", "dc", "is"],
    DataKind.CAPTIONED_IMAGES: ["fid", "kid", "pr", "dc"],
    DataKind.TOKENS: ["bleu", "self-bleu"],
}


def default_metrics(data: TensorData) -> list[str]:
    names = DEFAULT_METRICS.get(data.info.kind)
    if names is None:
        raise ConfigError(
            f"zoo eval scores a generator's samples, and {data.info.kind.value} data has none to "
            "score: `zoo translate` writes a translator's outputs, and "
            "benchmarks/translation_digits.py scores them on the digit tasks"
        )
    if "oracle_seed" in data.info.extra:
        return ["nll-oracle", *names]
    return names


@dataclass
class EvalReport:
    source: str
    data: str
    samples: int
    real: int
    features: str
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    protocols: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "data": self.data,
            "samples": self.samples,
            "real": self.real,
            "features": self.features,
            "scores": self.scores,
            "protocols": self.protocols,
        }


def _real_split(data: TensorData) -> dict[str, torch.Tensor]:
    return data.test if data.test else data.train


def extract(
    data: TensorData,
    samples: torch.Tensor,
    features: str = "domain",
    inception_weights: Path | None = None,
) -> tuple[EvalSet, EvalSet, str]:
    """Real (held-out split when there is one) and generated sets through one extractor."""
    real = _real_split(data)["x"]
    if data.info.kind == DataKind.POINTS:
        return EvalSet(real, real), EvalSet(samples, samples), "raw coordinates"
    if data.info.kind == DataKind.TOKENS:
        return EvalSet(real, real), EvalSet(samples, samples), "token ids"
    if features == "inception":
        from ganzoo.metrics.inception import InceptionExtractor, fid_inception

        extractor = InceptionExtractor(fid_inception(inception_weights).to(samples.device))
        embed, name = extractor.embed, extractor.name
    elif features == "domain":
        from ganzoo.metrics.classifier import dataset_hash, domain_classifier

        embed = domain_classifier(data).embed
        name = f"domain classifier {dataset_hash(data)} (penultimate layer, 128-d)"
    else:
        raise ConfigError(f"--features {features}: expected domain or inception")
    real_features, real_probs = embed(real.cpu())
    fake_features, fake_probs = embed(samples.cpu())
    return (
        EvalSet(real, real_features, real_probs),
        EvalSet(samples, fake_features, fake_probs),
        name,
    )


def as_evaluated(samples: torch.Tensor) -> torch.Tensor:
    """Float32 for continuous samples (bf16 runs included); token ids stay integers."""
    return samples.float() if samples.is_floating_point() else samples


def metric_providers(names: list[str], kind: DataKind) -> list[Metric]:
    from ganzoo.plugins import host

    providers = [host().get("metric", name) for name in names]
    for provider in providers:
        if kind not in provider.kinds:
            raise ConfigError(f"metric {provider.id!r} does not apply to {kind.value} data")
    return providers


def evaluate_samples(
    data: TensorData, samples: torch.Tensor, names: list[str], features: str = "domain"
) -> tuple[dict[str, dict[str, float]], EvalSet, EvalSet]:
    providers = metric_providers(names, data.info.kind)
    real, fake, _ = extract(data, samples, features)
    return {p.id: p.compute(real, fake, data.info) for p in providers}, real, fake


def evaluate(
    source: str,
    model: Variant,
    data: TensorData,
    metrics: list[str] | None,
    n: int,
    features: str,
    seed: int = 0,
    inception_weights: Path | None = None,
) -> EvalReport:
    names = metrics or default_metrics(data)
    providers = metric_providers(names, data.info.kind)
    labels = model.evaluation_conditions(data, n)
    samples = as_evaluated(model.sample(n, labels=labels, seed=seed))
    real, fake, extractor = extract(data, samples, features, inception_weights)
    report = EvalReport(source, data.info.spec, n, len(real.samples), extractor)
    for provider in providers:
        report.scores[provider.id] = provider.compute(real, fake, data.info)
        report.protocols[provider.id] = provider.protocol()
    return report


def append_to_card(run_dir: Path, report: EvalReport) -> None:
    card = run_dir / CARD_FILE
    if not card.exists():
        return
    lines = [
        "",
        f"## Evaluation ({report.samples} samples vs {report.real} real, {report.data}; "
        f"features: {report.features})",
        "",
        "| metric | value | protocol |",
        "|---|---|---|",
    ]
    for metric, values in report.scores.items():
        shown = ", ".join(f"{k} {v:.4g}" for k, v in values.items())
        lines.append(f"| {metric} | {shown} | {report.protocols.get(metric, '')} |")
    atomic_write_bytes(card, (card.read_text() + "\n".join(lines) + "\n").encode())


def load_eval_data(run_dir: Path, model: Variant, spec: str | None) -> TensorData:
    from ganzoo.variants import load_data

    spec = spec or read_config(run_dir)["data"]["spec"]
    return load_data(spec, type(model), model.config, seed=0)


def report_json(report: EvalReport) -> str:
    return json.dumps(report.as_json(), indent=1)
