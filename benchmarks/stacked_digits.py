"""Stacked digits (1,000 modes): how many modes `dcgan` and `improved-gan` cover, same seeds.

    python benchmarks/stacked_digits.py                   # 3 seeds x 2 models, 3000 steps each
    python benchmarks/stacked_digits.py --d-norm spectral # both discriminators spectrally normalised
    python benchmarks/stacked_digits.py --models improved-gan --set improved-gan.kernels=0
    python benchmarks/stacked_digits.py --smoke           # seconds; checks the harness only

Each image is three bundled digits in the three colour channels. The zoo's digits classifier
(trained on the real digits, never on generated data) labels each channel of 10,000 generated
images; a mode is covered when at least one image falls in it. Reported next to the same count
on 10,000 real training triples, the ceiling that the sample size and the classifier allow.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path
from typing import get_args

import torch

import ganzoo
from ganzoo.contracts import DataKind, DataRequest
from ganzoo.data.digits import Digits
from ganzoo.data.stacked import MODES, StackedDigits, triple_labels
from ganzoo.metrics import class_coverage
from ganzoo.metrics.classifier import domain_classifier, train_domain_classifier
from ganzoo.nn.norms import Norm
from modes import parse_overrides

MODELS = ("dcgan", "improved-gan")


def count_modes(images: torch.Tensor, classifier) -> tuple[int, float]:
    per_channel = torch.stack(
        [classifier.embed(images[:, c : c + 1])[1].argmax(1) for c in range(3)], dim=1
    )
    return class_coverage(triple_labels(per_channel), MODES)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument(
        "--d-norm",
        choices=get_args(Norm),
        default=None,
        help="discriminator normalisation for both models (default: each one's own)",
    )
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="MODEL.KEY=VALUE",
        help="a config value for one model, e.g. improved-gan.kernels=0 (repeatable)",
    )
    parser.add_argument("--smoke", action="store_true", help="tiny run that checks the harness")
    args = parser.parse_args()
    overrides = parse_overrides(args.set)
    if unknown := set(overrides) - set(args.models):
        parser.error(f"--set names a model that is not run: {', '.join(sorted(unknown))}")
    if args.smoke:
        args.seeds, args.steps, args.samples = [0], 2, 200
    request = DataRequest(kinds=(DataKind.LABELLED_IMAGES,), image_size=16, channels=1)
    digits = Digits().load(request)
    classifier = (
        train_domain_classifier(digits, epochs=1) if args.smoke else domain_classifier(digits)
    )
    stacked = StackedDigits().load(DataRequest(kinds=(DataKind.IMAGES,), image_size=16))
    real = count_modes(stacked.train["x"][: args.samples], classifier)
    results: dict[str, list] = {model: [] for model in args.models}
    with tempfile.TemporaryDirectory() as folder:
        for seed in args.seeds:
            for model in args.models:
                run = ganzoo.train(
                    model,
                    data="stacked-digits",
                    steps=args.steps,
                    seed=seed,
                    out=Path(folder) / f"{model}-{seed}",
                    device="cpu",
                    progress=False,
                    sample_every=0,
                    checkpoint_every=0,
                    log_every=args.steps,
                    **({"d_norm": args.d_norm} if args.d_norm else {}),
                    **overrides.get(model, {}),
                )
                samples = ganzoo.load(run, device="cpu").sample(args.samples, seed=1000 + seed)
                results[model].append(count_modes(samples, classifier))
    print(
        f"seeds {args.seeds}, {args.steps} steps, {args.samples} samples per model, "
        f"D normalisation {args.d_norm or 'each model default'}, settings {overrides}"
    )
    print("| model | modes covered (of 1,000) | KL to uniform | per seed |")
    print("|---|---|---|---|")
    for model, rows in results.items():
        modes = [r.modes for r in rows]
        kls = [r.kl_to_uniform for r in rows]
        spread = statistics.stdev(modes) if len(modes) > 1 else 0.0
        print(
            f"| {model} | {statistics.mean(modes):.1f} ± {spread:.1f} | "
            f"{statistics.mean(kls):.3f} | {modes} |"
        )
    print(f"| real training triples | {real.modes} | {real.kl_to_uniform:.3f} | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
