"""Mode collapse on the ring of 8 and the grid of 25 Gaussians (the VEEGAN / GDPP protocol).

    python benchmarks/modes.py                          # 4 methods x 2 mixtures x 5 seeds
    python benchmarks/modes.py --jobs 2 --figures benchmarks/figures
    python benchmarks/modes.py --smoke                  # seconds; checks the harness only
    python benchmarks/modes.py --seeds 2 --json m.jsonl # then, another day, the other three:
    python benchmarks/modes.py --seeds 3 --first-seed 2 --json m.jsonl --append
    python benchmarks/modes.py --report m.jsonl         # the table over all five

Protocol: ring of 8 modes at angles 2*pi*k/8, radius 2, std 0.02; grid of 25 modes at
{-4,-2,0,2,4}^2, std 0.05. Each trained generator draws 2,500 samples; a sample is high
quality within 3 std of its nearest mode; a mode is captured when it is the nearest mode of at
least one high-quality sample; reverse KL is that of the high-quality samples' mode histogram
to the uniform one. Mean +- std over the seeds. Each run is one process with one CPU thread,
so `--jobs` runs side by side on that many cores.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

PUBLISHED = [  # ring modes, ring HQ %, grid modes, grid HQ %
    ("GAN (VEEGAN Table 1)", 1, 99.3, 3.3, 0.5),
    ("Unrolled GAN (VEEGAN Table 1)", 7.6, 35.6, 23.6, 16.0),
    ("VEEGAN (VEEGAN Table 1)", 8, 52.9, 24.6, 40.0),
    ("WGAN-GP (GDPP Table 1)", 6.8, 59.6, 24.2, 28.7),
    ("GDPP (GDPP Table 1)", 8.0, 71.7, 24.8, 68.5),
]
MIXTURES = {"ring8": 0.02, "grid25": 0.05}

# Settings shared by every method, then each method's own: the zoo's defaults (the papers'),
# except a faster learning rate for the two NSGAN-based methods, which barely move in the
# step budget at 1e-4 / 2e-4, and `improved-gan` with its paper's one-sided label smoothing
# (without it the minibatch features let D win outright and the samples scatter) and an R1
# penalty of 0.1 (without it the grid kept 19 to 23 of its 25 modes at batch 128, see
# BENCHMARKS.md). Every method's rates decay linearly to 0 over the second half of the run
# (--decay-from), which lets the samples settle onto the modes. Batches of 128 give the
# minibatch features about 5 real samples per grid mode instead of 2.5.
COMMON = {"hidden": 128, "depth": 3}
METHODS: dict[str, dict] = {
    "gan": {"lr_g": 1e-3, "lr_d": 1e-3},
    "wgan-gp": {},
    "improved-gan": {"lr_g": 1e-3, "lr_d": 1e-3, "real_label": 0.9, "r1_penalty": 0.1},
    "otgan": {},
}


def run_one(job: dict) -> dict:
    import torch

    torch.set_num_threads(1)
    import ganzoo
    from ganzoo.data.mixtures import GRID25, RING8
    from ganzoo.metrics import mode_coverage

    provider = RING8 if job["data"] == "ring8" else GRID25
    centers = provider.centers(provider.defaults)
    with tempfile.TemporaryDirectory() as folder:
        run = ganzoo.train(
            job["method"],
            data=job["data"],
            steps=job["steps"],
            seed=job["seed"],
            batch_size=job["batch_size"],
            out=Path(folder) / "run",
            device=job["device"],
            progress=False,
            sample_every=0,
            checkpoint_every=0,
            log_every=job["steps"],
            ema=job["ema"],
            **job["settings"],
        )
        model = ganzoo.load(run, device=job["device"])
        samples = model.sample(2500, seed=1000 + job["seed"]).float().cpu()
    result = mode_coverage(samples, centers, MIXTURES[job["data"]])._asdict()
    return job | result | {"samples": samples.tolist() if job["seed"] == 0 else None}


def summary(values: list[float]) -> str:
    if not values:
        return "—"
    unbounded = sum(not math.isfinite(v) for v in values)
    if unbounded:  # reverse KL of a run without one high-quality sample
        return f"∞ ({unbounded} of {len(values)} runs)"
    mean = statistics.mean(values)
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{mean:.2f} ± {spread:.2f}"


def table(results: list[dict], methods: list[str], mixtures: list[str]) -> str:
    header = "| method | " + " | ".join(f"{m} modes | {m} HQ % | {m} reverse KL" for m in mixtures)
    lines = [header + " |", "|---" * (1 + 3 * len(mixtures)) + "|"]
    for method in methods:
        cells = []
        for mixture in mixtures:
            rows = [r for r in results if r["method"] == method and r["data"] == mixture]
            cells += [
                summary([r["modes"] for r in rows]),
                summary([100 * r["high_quality"] for r in rows]),
                summary([r["reverse_kl"] for r in rows]),
            ]
        lines.append(f"| {method} (this run) | " + " | ".join(cells) + " |")
    if mixtures == ["ring8", "grid25"]:
        for name, ring_modes, ring_hq, grid_modes, grid_hq in PUBLISHED:
            lines.append(f"| {name} | {ring_modes} | {ring_hq} | | {grid_modes} | {grid_hq} | |")
    return "\n".join(lines)


def figure(results: list[dict], method: str, mixtures: list[str], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from ganzoo.data.mixtures import GRID25, RING8

    fig, axes = plt.subplots(1, len(mixtures), figsize=(5 * len(mixtures), 5), dpi=100)
    for ax, mixture in zip(np.atleast_1d(axes), mixtures, strict=True):
        row = next(
            r
            for r in results
            if r["method"] == method and r["data"] == mixture and r.get("samples")
        )
        provider = RING8 if mixture == "ring8" else GRID25
        centers = provider.centers(provider.defaults).numpy()
        ax.scatter(*np.asarray(row["samples"]).T, s=2, c="#c0392b", label="samples")
        ax.scatter(*centers.T, s=60, marker="+", c="black", label="modes")
        limit = 1.6 * np.abs(centers).max()
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
        ax.set_aspect("equal")
        ax.set_title(
            f"{method} on {mixture}, seed {row['seed']}: {row['modes']} modes, "
            f"{100 * row['high_quality']:.0f}% HQ",
            fontsize=9,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path


def draw_figures(results: list[dict], methods: list[str], mixtures: list[str], folder: Path):
    """One PNG per method whose seed-0 runs have finished on every mixture."""
    for method in methods:
        drawn = {r["data"] for r in results if r["method"] == method and r.get("samples")}
        if drawn >= set(mixtures):
            print(f"wrote {figure(results, method, mixtures, folder / f'modes-{method}.png')}")
        else:
            print(f"no figure for {method}: its seed-0 runs have not all finished")


def parse_overrides(pairs: list[str]) -> dict[str, dict]:
    """--set improved-gan.kernels=20 -> {"improved-gan": {"kernels": 20}} (JSON values)."""
    overrides: dict[str, dict] = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        method, _, field = key.partition(".")
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = value
        overrides.setdefault(method, {})[field] = parsed
    return overrides


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--data", default="ring8,grid25")
    parser.add_argument("--seeds", type=int, default=5, help="how many seeds")
    parser.add_argument(
        "--first-seed", type=int, default=0, help="seeds run from here: split a long protocol"
    )
    parser.add_argument("--steps", type=int, default=16000)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument(
        "--decay-from",
        type=float,
        default=0.5,
        help="share of the run after which every learning rate decays linearly to 0; 1 = constant",
    )
    parser.add_argument("--ema", type=float, default=None, help="sample from an EMA generator")
    parser.add_argument("--jobs", type=int, default=2, help="runs side by side (one core each)")
    parser.add_argument("--device", default="cpu", help="where each run trains")
    parser.add_argument("--set", action="append", default=[], metavar="METHOD.KEY=VALUE")
    parser.add_argument("--json", type=Path, help="write every run's figures here (JSON lines)")
    parser.add_argument(
        "--append", action="store_true", help="add to the --json file instead of starting it anew"
    )
    parser.add_argument("--figures", type=Path, help="write one PNG per method into this folder")
    parser.add_argument("--smoke", action="store_true", help="tiny run that checks the harness")
    parser.add_argument(
        "--report",
        type=Path,
        help="print the table (and with --figures draw the PNGs) of a --json file's finished runs",
    )
    args = parser.parse_args()
    if args.report:
        rows = [json.loads(line) for line in args.report.read_text().splitlines() if line]
        methods = list(dict.fromkeys(r["method"] for r in rows))
        mixtures = [m for m in MIXTURES if any(r["data"] == m for r in rows)]
        for method in methods:
            for mixture in mixtures:
                seeds = sorted(
                    r["seed"] for r in rows if (r["method"], r["data"]) == (method, mixture)
                )
                print(f"{method} on {mixture}: seeds {seeds}")
        print(table(rows, methods, mixtures))
        if args.figures:
            draw_figures(rows, methods, mixtures, args.figures)
        return 0
    if args.smoke:
        args.seeds, args.steps, args.batch_size = 1, 20, 32
    methods, mixtures = args.methods.split(","), args.data.split(",")
    unknown = set(methods) - set(METHODS)
    if unknown:
        parser.error(f"unknown method(s) {sorted(unknown)}; choose from {sorted(METHODS)}")
    overrides = parse_overrides(args.set)
    decay_start = round(args.decay_from * args.steps)
    schedule = (
        {"decay_start": decay_start, "decay_steps": args.steps - decay_start}
        if decay_start < args.steps
        else {}
    )
    settings = {m: COMMON | schedule | METHODS[m] | overrides.get(m, {}) for m in methods}
    jobs = [
        {
            "method": method,
            "data": mixture,
            "seed": seed,
            "steps": args.steps,
            "batch_size": args.batch_size,
            "ema": args.ema,
            "device": args.device,
            "settings": settings[method],
        }
        for method in methods
        for mixture in mixtures
        for seed in range(args.first_seed, args.first_seed + args.seeds)
    ]
    results = []
    if args.json and not args.append:
        args.json.write_text("")
    with ProcessPoolExecutor(args.jobs) as pool:
        for done in as_completed([pool.submit(run_one, job) for job in jobs]):
            result = done.result()
            results.append(result)
            figures = {k: v for k, v in result.items() if k != "samples"}
            print(f"[{len(results)}/{len(jobs)}] {json.dumps(figures)}", file=sys.stderr)
            if args.json:  # one line per finished run, so a stopped benchmark keeps its runs
                with args.json.open("a") as out:
                    out.write(json.dumps(result) + "\n")
    print(
        f"seeds {args.first_seed}-{args.first_seed + args.seeds - 1}, {args.steps} steps, "
        f"batch {args.batch_size}, ema {args.ema}, device {args.device}, "
        f"settings {list(settings.items())}"
    )
    print(table(results, methods, mixtures))
    if args.figures:
        draw_figures(results, methods, mixtures, args.figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
