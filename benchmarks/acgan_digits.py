"""ACGAN on the bundled digits against cgan and ACGAN with its diversity options, 3 seeds.

    python benchmarks/acgan_digits.py                     # 3 seeds x 6 models, 3000 steps each
    python benchmarks/acgan_digits.py --models acgan cgan # only these rows
    python benchmarks/acgan_digits.py --jobs 2            # trains two runs at a time
    python benchmarks/acgan_digits.py --smoke             # seconds; checks the harness

For every run: the held-out digits classifier (trained on the real training split, never on
generated data) labels 1,000 generated samples (100 per requested class); domain-feature FID
against the real training split; within-class diversity as the mean per-class coverage and the
mean intra-class FID. For ACGAN with and without the minibatch layer also "train on
generated, test on real": the same classifier trained on 10,000 ACGAN samples only, tested on
the real test split, next to it trained on real data.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import torch

import ganzoo
from ganzoo.contracts import TensorData
from ganzoo.engine.evaluation import load_eval_data
from ganzoo.metrics import density_coverage, frechet_distance
from ganzoo.metrics.classifier import (
    DomainClassifier,
    accuracy,
    domain_classifier,
    train_domain_classifier,
)

# The same discriminator normalisation and schedule for all three (ACGAN's defaults).
SHARED = {"d_norm": "spectral", "d_steps": 2, "lr_d": 4e-4}
MODELS = {
    "acgan": ("acgan", SHARED),
    "acgan-tac": ("acgan", {**SHARED, "tac": True}),
    # TAC-GAN's objective (the main class head learns real digits, a twin head the fakes) with
    # the minibatch layer before the source head.
    "acgan-tac-mbd": ("acgan", {**SHARED, "tac": True, "minibatch_kernels": 100}),
    # The paper's objective (fakes classified too) with the minibatch layer before the source head.
    "acgan-paper-mbd": ("acgan", {**SHARED, "minibatch_kernels": 100}),
    # Not the paper's objective: the class head learns real digits only, and the source head
    # compares each sample with its minibatch (Salimans et al. 2016) to see within-class collapse.
    "acgan-mbd": ("acgan", {**SHARED, "classify_fakes": False, "minibatch_kernels": 100}),
    "cgan": ("cgan", SHARED),
}
TRAIN_ON_GENERATED = ("acgan", "acgan-tac-mbd", "acgan-paper-mbd", "acgan-mbd")


def evaluate(run: Path, per_class: int, classifier: DomainClassifier) -> dict[str, float]:
    model = ganzoo.load(run, device="cpu")
    data = load_eval_data(run, model, None)
    labels = torch.arange(10).repeat_interleave(per_class)
    samples = model.sample(len(labels), labels=labels, seed=123)
    fake_features, probs = classifier.embed(samples)
    real_features, _ = classifier.embed(data.train["x"])
    real_labels = data.train["y"]
    coverage, intra = [], []
    for c in range(10):
        real_c, fake_c = real_features[real_labels == c], fake_features[labels == c]
        coverage.append(density_coverage(real_c, fake_c, k=5).coverage)
        intra.append(frechet_distance(real_c, fake_c))
    return {
        "accuracy": float((probs.argmax(1) == labels).float().mean()),
        "fid": frechet_distance(real_features, fake_features),
        "class_coverage": statistics.mean(coverage),
        "intra_class_fid": statistics.mean(intra),
    }


def train_on_generated(
    run: Path, n: int, epochs: int, on_real: DomainClassifier
) -> dict[str, float]:
    model = ganzoo.load(run, device="cpu")
    data = load_eval_data(run, model, None)
    labels = torch.arange(n) % 10
    samples = torch.cat(
        [model.sample(1000, labels=labels[i : i + 1000], seed=i) for i in range(0, n, 1000)]
    )
    synthetic = TensorData(train={"x": samples, "y": labels}, info=data.info)
    on_generated = train_domain_classifier(synthetic, epochs=epochs)
    return {
        "tstr": accuracy(on_generated, data.test["x"], data.test["y"]),
        "trtr": accuracy(on_real, data.test["x"], data.test["y"]),
    }


def picture(root: Path, names: list[str], seed: int, path: Path) -> Path:
    """The models side by side, one row per class (6 samples each)."""
    from PIL import Image, ImageDraw

    from ganzoo.engine.pictures import grid_image

    labels = torch.arange(10).repeat_interleave(6)
    panels = []
    for name in names:
        model = ganzoo.load(root / f"{name}-seed{seed}", device="cpu")
        grid = grid_image(model.sample(len(labels), labels=labels, seed=1), nrow=6, cell=32)
        tile = Image.fromarray(grid.squeeze(2)).convert("RGB")
        panel = Image.new("RGB", (tile.width, tile.height + 18), "white")
        panel.paste(tile, (0, 18))
        ImageDraw.Draw(panel).text((4, 3), f"{name} (seed {seed})", fill="black")
        panels.append(panel)
    sheet = Image.new("RGB", (sum(p.width + 10 for p in panels), panels[0].height), "white")
    for index, panel in enumerate(panels):
        sheet.paste(panel, (index * (panel.width + 10), 0))
    sheet.save(path)
    return path


def train_one(run: Path, variant: str, config: dict, seed: int, steps: int, threads: int) -> Path:
    torch.set_num_threads(threads)
    if not (run / "config.json").exists():
        ganzoo.train(
            variant,
            data="digits",
            steps=steps,
            seed=seed,
            out=run,
            ema=0.999,
            device="cpu",
            sample_every=0,
            checkpoint_every=0,
            progress=False,
            log_every=500,
            **config,
        )
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", type=Path, default=None, help="keep the runs here")
    parser.add_argument("--figure", type=Path, help="write the first seed's samples here (PNG)")
    parser.add_argument("--jobs", type=int, default=1, help="runs trained at once")
    parser.add_argument(
        "--models", nargs="+", choices=list(MODELS), default=list(MODELS), help="rows to run"
    )
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    if args.out:
        return run_benchmark(args, args.out)
    with tempfile.TemporaryDirectory(prefix="acgan-bench-") as folder:  # 100 MB of runs
        return run_benchmark(args, Path(folder))


def run_benchmark(args: argparse.Namespace, root: Path) -> int:
    per_class, tstr_n, tstr_epochs = 100, 10_000, 3
    if args.smoke:
        args.steps, args.seeds, per_class, tstr_n, tstr_epochs = 10, [0], 10, 1000, 1
    jobs = [(seed, name) for seed in args.seeds for name in args.models]
    threads = max(1, torch.get_num_threads() // args.jobs)
    with ProcessPoolExecutor(args.jobs) as pool:
        runs = list(
            pool.map(
                train_one,
                [root / f"{name}-seed{seed}" for seed, name in jobs],
                [MODELS[name][0] for _, name in jobs],
                [MODELS[name][1] for _, name in jobs],
                [seed for seed, _ in jobs],
                [args.steps] * len(jobs),
                [threads] * len(jobs),
            )
        )
    # The held-out judge, trained on the real split; the smoke's one epoch is never cached.
    real = load_eval_data(runs[0], ganzoo.load(runs[0], device="cpu"), None)
    judge = train_domain_classifier(real, epochs=1) if args.smoke else domain_classifier(real)
    results: dict[str, list[dict]] = {name: [] for name in args.models}
    for run, (seed, name) in zip(runs, jobs, strict=True):
        scores = evaluate(run, per_class, judge)
        if name in TRAIN_ON_GENERATED:
            scores |= train_on_generated(run, tstr_n, tstr_epochs, judge)
        results[name].append(scores)
        print(json.dumps({"model": name, "seed": seed, **scores}), flush=True)
    if args.figure:
        print(f"wrote {picture(root, args.models, args.seeds[0], args.figure)}")
    print(f"\nsteps {args.steps}, seeds {args.seeds}; mean ± std over seeds")
    keys = ["accuracy", "fid", "class_coverage", "intra_class_fid", "tstr", "trtr"]
    print("| model | " + " | ".join(keys) + " |")
    print("|---" * (len(keys) + 1) + "|")
    for name, rows in results.items():
        cells = []
        for key in keys:
            values = [r[key] for r in rows if key in r]
            if not values:
                cells.append("")
                continue
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            cells.append(f"{statistics.mean(values):.3f} ± {spread:.3f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
