"""StackGAN on `shapes-captions` (issue 10): attribute accuracy from stage II on captions of
training and held-out combinations, stage II against stage I upsampled on domain-feature FID,
and the matching-aware discriminator against one trained without mismatched-caption negatives.

    python benchmarks/stackgan_shapes.py --device cuda --jobs 4      # 2 seeds × 2 discriminators
    python benchmarks/stackgan_shapes.py --smoke                     # seconds; checks the harness
    python benchmarks/stackgan_shapes.py --set d_fusion=features     # any stackgan option

The judge is an attribute classifier (shape, colour, size, position heads) trained on 10,000
real renders of *every* combination, so it has no colour–shape prior (one trained on the
training combinations only read red triangles as circles). Accuracy is per attribute; the
headline is their mean, "all" the share of images with all four right. Captions of training
combinations come from the held-out images of the test split (caption 0 of each); held-out
combinations (red triangles, green circles, blue squares) are rendered fresh. FID uses the
zoo's domain classifier (trained on the real training images) against the test split.
With `--set ema=0.999` stage II is drawn from the generator's moving average, and its live
weights are scored as well ("stage II, live"): the same figures as a run without the average.
Writes results.json, report.md and stages.png (stage I | stage II per caption) to `--out`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import torch

import ganzoo
from ganzoo.data.shapes import ATTRIBUTES, PREVIEW, held_out_set, shapes_set
from ganzoo.engine.evaluation import evaluate_samples
from ganzoo.metrics.attributes import train_attribute_classifier
from ganzoo.variants import load_data, parse_settings, variant_class

DISCRIMINATORS = {"matching-aware": True, "no mismatched captions": False}


def train_one(args: argparse.Namespace, seed: int, mismatched: bool) -> str:
    torch.set_num_threads(max(1, args.threads))
    run = args.out / f"{'matching' if mismatched else 'plain'}-seed{seed}"
    shutil.rmtree(run, ignore_errors=True)  # every benchmark run starts from scratch
    ganzoo.train(
        "stackgan",
        data=args.data,
        steps=args.encoder_steps + args.stage1_steps + args.stage2_steps,
        out=run,
        seed=seed,
        device=args.device,
        progress=False,
        sample_every=0,
        checkpoint_every=0,
        log_every=100,
        encoder_steps=args.encoder_steps,
        stage1_steps=args.stage1_steps,
        stage2_steps=args.stage2_steps,
        mismatched=mismatched,
        design=args.design,
        **args.settings,
    )
    return str(run)


def in_chunks(model, captions: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    lows, highs = [], []
    for index, part in enumerate(captions.split(500)):
        low, high = model.stages(len(part), part.to(model.device), seed=seed + index)
        lows.append(low.float().cpu())
        highs.append(high.float().cpu())
    return torch.cat(lows), torch.cat(highs)


def fid(data, images: torch.Tensor) -> float:
    return evaluate_samples(data, images, ["fid"])[0]["fid"]["fid"]


def evaluate_run(run: Path, judge, data, held_out: dict, device: str) -> dict:
    """Stage I and stage II on both kinds of captions. A run trained with `--set ema=D` samples
    stage II from the average; its live weights are scored too ("stage II, live"), which is the
    same run without the average, since the average does not take part in training."""
    model = ganzoo.load(run, device=device)
    average = dict(model.ema)
    seen = data.test
    count = len(seen["x"])
    result: dict = {"run": run.name}
    for split, captions, attributes in (
        ("training combinations", seen["captions"][:, 0], seen["attributes"]),
        ("held-out combinations", held_out["captions"][:, 0], held_out["attributes"]),
    ):
        low, high = in_chunks(model, captions, seed=1)
        images = {"stage I": low, "stage II": high}
        if average:
            model.ema = {}
            images["stage II, live"] = in_chunks(model, captions, seed=1)[1]
            model.ema = average
        result[split] = {stage: judge.accuracy(x, attributes) for stage, x in images.items()}
        if split == "training combinations":
            names = {"stage I": "stage I (upsampled)"}
            result["fid"] = {names.get(k, k): fid(data, x[:count]) for k, x in images.items()}
    return result


def stages_figure(run: Path, data, path: Path, per_caption: int = 4) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ganzoo.data.captions import encode_text
    from ganzoo.engine.pictures import grid_image

    model = ganzoo.load(run, device="cpu")
    captions = encode_text(list(PREVIEW), model.data).repeat_interleave(per_caption, dim=0)
    low, high = model.stages(len(captions), captions, seed=0)
    fig, axes = plt.subplots(
        len(PREVIEW), 2, figsize=(6, 1.25 * len(PREVIEW)), layout="constrained"
    )
    for row, text in enumerate(PREVIEW):
        rows = slice(row * per_caption, (row + 1) * per_caption)
        for column, images in enumerate((low[rows], high[rows])):
            axes[row, column].imshow(grid_image(images, nrow=per_caption, cell=32))
            axes[row, column].axis("off")
        axes[row, 0].set_title(text, fontsize=8, loc="left")
    axes[0, 1].set_title("stage II", fontsize=8, loc="right")
    fig.suptitle(f"{run.name}: stage I (upsampled) | stage II", fontsize=9)
    fig.savefig(path, bbox_inches="tight", dpi=110)
    plt.close(fig)


def trained_discriminators(results: list[dict]) -> list[tuple[str, bool]]:
    return [(k, v) for k, v in DISCRIMINATORS.items() if any(r["mismatched"] == v for r in results)]


def report(results: list[dict], judge_real: dict, args: argparse.Namespace) -> str:
    stages = list(results[0]["held-out combinations"])
    lines = [
        f"StackGAN on {args.data}: encoder {args.encoder_steps}, stage I {args.stage1_steps}, "
        f"stage II {args.stage2_steps} steps at batch 64, design {args.design}, options "
        f"{args.settings or 'default'}, seeds {args.seeds}. Judge on real renders: training "
        f"combinations {judge_real['training']['mean']:.3f}, held-out "
        f"{judge_real['held-out']['mean']:.3f}.",
        "",
        "| discriminator | split | stage | mean (per seed) | all four right | per attribute |",
        "|---|---|---|---|---|---|",
    ]
    for label, mismatched in trained_discriminators(results):
        mine = [r for r in results if r["mismatched"] == mismatched]
        for split in ("training combinations", "held-out combinations"):
            for stage in stages:
                means = [r[split][stage]["mean"] for r in mine]
                every = statistics.mean(r[split][stage]["all"] for r in mine)
                per = {k: statistics.mean(r[split][stage][k] for r in mine) for k in ATTRIBUTES}
                lines.append(
                    f"| {label} | {split} | {stage} | {statistics.mean(means):.3f} "
                    f"({', '.join(f'{v:.3f}' for v in means)}) | {every:.3f} | "
                    + ", ".join(f"{k} {v:.3f}" for k, v in per.items())
                    + " |"
                )
    fids = list(results[0]["fid"])
    lines += ["", f"| discriminator | {' | '.join(f'FID {f}' for f in fids)} |"]
    lines.append("|---" * (len(fids) + 1) + "|")
    for label, mismatched in trained_discriminators(results):
        mine = [r for r in results if r["mismatched"] == mismatched]
        cells = []
        for stage in fids:
            values = [r["fid"][stage] for r in mine]
            cells.append(f"{statistics.mean(values):.2f} ({', '.join(f'{v:.2f}' for v in values)})")
        lines.append(f"| {label} | {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--encoder-steps", type=int, default=1000)
    parser.add_argument("--stage1-steps", type=int, default=5000)
    parser.add_argument("--stage2-steps", type=int, default=5000)
    parser.add_argument("--design", choices=["joint", "split"], default="joint")
    parser.add_argument("--data", default="shapes-captions")
    parser.add_argument("--held-out", type=int, default=2000, help="held-out images to caption")
    parser.add_argument("--judge-epochs", type=int, default=8)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--jobs", type=int, default=1, help="runs trained at once")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/stackgan"))
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument(
        "--no-ablation",
        action="store_true",
        help="train only the matching-aware discriminator (half the time; no comparison)",
    )
    parser.add_argument("--smoke", action="store_true", help="tiny run that checks the harness")
    args = parser.parse_args()
    args.settings = parse_settings(args.set)
    if args.smoke:
        args.seeds, args.data, args.held_out, args.judge_epochs = (
            [0],
            "shapes-captions:n=128",
            64,
            1,
        )
        args.encoder_steps, args.stage1_steps, args.stage2_steps = 2, 2, 2
        args.settings |= {"width": 8, "residual_blocks": 1}
    args.out.mkdir(parents=True, exist_ok=True)
    args.threads = max(1, torch.get_num_threads() // args.jobs)
    kinds = [True] if args.no_ablation else list(DISCRIMINATORS.values())
    jobs = [(seed, mismatched) for seed in args.seeds for mismatched in kinds]
    with ProcessPoolExecutor(args.jobs) as pool:
        runs = list(pool.map(train_one, [args] * len(jobs), *zip(*jobs, strict=True)))
    cls = variant_class("stackgan")
    model = ganzoo.load(runs[0], device="cpu")
    data = load_data(args.data, cls, model.config, seed=0)
    side = data.info.shape[-1]
    sizes = {name: len(values) for name, values in ATTRIBUTES.items()}
    judge_images, judge_attributes = shapes_set(10_000 if not args.smoke else 256, side, None, 3)
    judge = train_attribute_classifier(
        judge_images, judge_attributes, sizes, args.judge_epochs, device=args.device
    )
    held_out = held_out_set(args.held_out, side, 1, data.info)
    judge_real = {
        "training": judge.accuracy(data.test["x"], data.test["attributes"]),
        "held-out": judge.accuracy(held_out["x"], held_out["attributes"]),
    }
    results = []
    for run, (seed, mismatched) in zip(runs, jobs, strict=True):
        result = evaluate_run(Path(run), judge, data, held_out, args.device)
        result.update(seed=seed, mismatched=mismatched)
        results.append(result)
        (args.out / "results.json").write_text(
            json.dumps({"judge_on_real": judge_real, "runs": results}, indent=1)
        )
    stages_figure(Path(runs[0]), data, args.out / "stages.png")
    text = report(results, judge_real, args)
    (args.out / "report.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
