"""pix2pix on `digits-edges` and CycleGAN on `digits-styles`, 3 seeds (issue 8's ordering checks).

    python benchmarks/translation_digits.py                    # both tasks, 3 seeds
    python benchmarks/translation_digits.py --task pix2pix     # or --task cyclegan
    python benchmarks/translation_digits.py --smoke            # seconds; checks the harness
    python benchmarks/translation_digits.py --device cuda --jobs 6   # trains 6 models at once
    python benchmarks/translation_digits.py --task cyclegan --set generator=unet   # any option

pix2pix: L1 + cGAN, L1 alone, cGAN alone, and L1 + cGAN over PatchGAN depths 0-3 (patches of
1, 16, 34 and 70 px on 32-px images; 34 and 70 both cover the whole image). Each model
translates the 359 held-out outlines; scores: domain-feature FID of the outputs against the
real held-out inked digits, and how often the digits classifier (trained on real inked digits
only) reads the intended digit. CycleGAN: for each direction, how often a digits classifier
trained on real images of the target style reads the source label, how often a style
classifier (real A vs real B) says "target style", and the mean cycle L1 (images in [-1, 1])
on the held-out digits.
Models train in `--jobs` processes on `--device`; every score is computed on the CPU.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import torch

import ganzoo
from ganzoo.contracts import DataInfo, DataKind, DataRequest, TensorData
from ganzoo.data.digit_tasks import DigitsEdges, DigitsStyles, restyle
from ganzoo.data.digits import Digits
from ganzoo.metrics import frechet_distance
from ganzoo.metrics.classifier import train_domain_classifier
from ganzoo.variants import parse_settings

SHOWN = 12  # held-out images per figure row

PIX2PIX = {
    "L1 + cGAN": {},
    "L1 alone": {"adversarial": False},
    "cGAN alone": {"l1_weight": 0.0},
    "patch 1 px (PixelGAN)": {"d_layers": 0},
    "patch 16 px": {"d_layers": 1},
    "patch 34 px (whole image)": {"d_layers": 2},
}


def classifier(images: torch.Tensor, labels: torch.Tensor, classes: int, epochs: int):
    info = DataInfo(
        spec="bench",
        kind=DataKind.LABELLED_IMAGES,
        shape=tuple(images.shape[1:]),
        num_classes=classes,
    )
    return train_domain_classifier(TensorData(train={"x": images, "y": labels}, info=info), epochs)


def train_one(job: tuple[str, int, Path, argparse.Namespace, dict]) -> Path:
    variant, seed, out, args, settings = job
    torch.set_num_threads(args.threads)
    return ganzoo.train(
        variant,
        steps=args.steps,
        seed=seed,
        batch_size=args.batch,
        out=out,
        device=args.device,
        progress=False,
        sample_every=0,
        checkpoint_every=0,
        log_every=args.steps,
        **settings,
    )


def train_all(variant: str, args, folder: Path, settings: dict[str, dict]):
    """Yields ((seed, setting name), model loaded on CPU) as each training run finishes, so a
    stopped benchmark has scored (and, with --json, kept) every model finished so far."""
    jobs = {
        (seed, name): (
            variant,
            seed,
            folder / f"{variant}-{index}-seed{seed}",
            args,
            args.net | extra,
        )
        for seed in args.seeds
        for index, (name, extra) in enumerate(settings.items())
    }
    if args.jobs == 1:
        for key, job in jobs.items():
            yield key, ganzoo.load(train_one(job), device="cpu")
        return
    # Spawned, not forked: the parent has already run OpenMP (the classifiers), and forked
    # children that then trained on CUDA hung on the H100 host.
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(args.jobs, mp_context=spawn) as pool:
        running = {pool.submit(train_one, job): key for key, job in jobs.items()}
        for done in as_completed(running):
            yield running[done], ganzoo.load(done.result(), device="cpu")


def record(args, entry: dict) -> None:
    print(
        " ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in entry.items())
    )
    if args.json:
        with args.json.open("a") as out:
            out.write(json.dumps(entry) + "\n")


def pix2pix(args, folder: Path) -> None:
    data = DigitsEdges().load(DataRequest(kinds=(DataKind.PAIRED_IMAGES,)))
    data.test = {k: v[: args.limit] for k, v in data.test.items()}
    digits = classifier(data.train["b"], data.train["y"], 10, args.epochs)
    real_features, _ = digits.embed(data.test["b"])
    rows = {name: [] for name in PIX2PIX}
    shown = {"edge map": data.test["a"][:SHOWN], "target": data.test["b"][:SHOWN]}
    for (seed, name), model in train_all("patchgan", args, folder, PIX2PIX):
        outputs = torch.cat([model.translate(a) for a in data.test["a"].split(256)])
        if seed == min(args.seeds):
            shown[name] = outputs[:SHOWN]
        features, probs = digits.embed(outputs)
        accuracy = float((probs.argmax(1) == data.test["y"]).float().mean())
        rows[name].append((frechet_distance(real_features, features), accuracy))
        record(
            args,
            {
                "task": "pix2pix",
                "seed": seed,
                "model": name,
                "fid": rows[name][-1][0],
                "digit": accuracy,
            },
        )
    if args.figures:
        figure(args.figures / "pix2pix-digits-edges.png", shown, f"pix2pix, seed {min(args.seeds)}")
    print("| pix2pix on digits-edges | FID (domain features) | digit read correctly |")
    print("|---|---|---|")
    for name, values in rows.items():
        print(f"| {name} | {spread([v[0] for v in values])} | {spread([v[1] for v in values])} |")


def cyclegan(args, folder: Path) -> None:
    data = DigitsStyles().load(DataRequest(kinds=(DataKind.UNPAIRED_IMAGES,)))
    data.test = {k: v[: args.limit] for k, v in data.test.items()}
    request = DataRequest(kinds=(DataKind.LABELLED_IMAGES,), image_size=32)
    train_digits = Digits().load(request).train  # the smooth digits digits-styles is made of
    cap = args.limit * 4 if args.limit else None
    x, y = train_digits["x"][:cap], train_digits["y"][:cap]
    readers = {
        "A": classifier(x, y, 10, args.epochs),
        "B": classifier(restyle(x), y, 10, args.epochs),
    }
    style = classifier(
        torch.cat([x, restyle(x)]),
        torch.cat([torch.zeros(len(x)), torch.ones(len(x))]).long(),
        2,
        args.epochs,
    )
    rows = {"AtoB": [], "BtoA": []}
    # The paper's schedule at any length: constant for the first half, then down to 0.
    halves = {"decay_start": args.steps // 2, "decay_steps": args.steps - args.steps // 2}
    shown = {}
    for (seed, _), model in train_all("cyclegan", args, folder, {"CycleGAN": halves}):
        for direction, source, target, target_style in (
            ("AtoB", data.test["a"], "B", 1),
            ("BtoA", data.test["b"], "A", 0),
        ):
            back = "BtoA" if direction == "AtoB" else "AtoB"
            out = model.translate(source, direction)
            if seed == min(args.seeds):
                shown[f"{direction[0]}, held out"] = source[:SHOWN]
                shown[f"{direction} translated"] = out[:SHOWN]
                shown[f"{direction[0]}, back again"] = model.translate(out[:SHOWN], back)
            label = float(
                (readers[target].embed(out)[1].argmax(1) == data.test["y"]).float().mean()
            )
            styled = float((style.embed(out)[1].argmax(1) == target_style).float().mean())
            cycle = float((model.translate(out, back) - source).abs().mean())
            rows[direction].append((label, styled, cycle))
            record(
                args,
                {
                    "task": "cyclegan",
                    "seed": seed,
                    "direction": direction,
                    "label": label,
                    "style": styled,
                    "cycle": cycle,
                },
            )
    if args.figures:
        figure(
            args.figures / "cyclegan-digits-styles.png", shown, f"CycleGAN, seed {min(args.seeds)}"
        )
    print("| CycleGAN on digits-styles | label kept | in target style | cycle L1 |")
    print("|---|---|---|---|")
    for direction, values in rows.items():
        cells = [spread([v[i] for v in values]) for i in range(3)]
        print(f"| {direction} | " + " | ".join(cells) + " |")


def figure(path: Path, rows: dict[str, torch.Tensor], title: str) -> None:
    """One row of held-out images per entry, labelled, the same inputs in every row."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ganzoo.engine.pictures import grid_image

    fig, axes = plt.subplots(len(rows), 1, figsize=(8, 0.75 * len(rows) + 0.5), dpi=100)
    for axis, (label, images) in zip(axes, rows.items(), strict=True):
        axis.imshow(grid_image(images, nrow=len(images), cell=32).squeeze(2), cmap="gray")
        axis.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
        axis.set_xticks([])
        axis.set_yticks([])
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    print(f"wrote {path}")


def spread(values: list[float]) -> str:
    deviation = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.3f} ± {deviation:.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=["pix2pix", "cyclegan", "both"], default="both")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--width", type=int, default=32, help="base width of every network")
    parser.add_argument("--device", default="cpu", help="where the models train")
    parser.add_argument("--jobs", type=int, default=1, help="models trained at once")
    parser.add_argument("--json", type=Path, help="append every model's scores here (JSON lines)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a variant option for every model, as `zoo train --set`",
    )
    parser.add_argument("--figures", type=Path, help="write a PNG of held-out translations here")
    parser.add_argument("--smoke", action="store_true", help="tiny run that checks the harness")
    args = parser.parse_args()
    args.threads = max(1, torch.get_num_threads() // args.jobs)
    args.batch, args.epochs, args.limit = 32, 15, None
    args.net = {"width": args.width} | parse_settings(args.set)
    if args.smoke:
        args.seeds, args.steps, args.batch, args.epochs, args.limit = [0], 1, 4, 1, 64
        args.net = args.net | {"width": 8}
    print(
        f"seeds {args.seeds}, {args.steps} steps, batch {args.batch}, settings {args.net}, "
        f"device {args.device}"
    )
    if args.json:
        args.json.write_text("")
    with tempfile.TemporaryDirectory() as folder:
        if args.task in ("pix2pix", "both"):
            pix2pix(args, Path(folder))
        if args.task in ("cyclegan", "both"):
            if args.smoke:
                args.net = args.net | {"res_blocks": 1}
            cyclegan(args, Path(folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
