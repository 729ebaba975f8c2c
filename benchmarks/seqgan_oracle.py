"""SeqGAN's synthetic-data experiment (Yu et al. 2017, Table 1): NLL-oracle of a random
generator, of MLE, and of SeqGAN, on the paper's oracle or on a freshly drawn one.

    python benchmarks/seqgan_oracle.py --oracle ../shared/data/seqgan-oracle.npz   # the paper's
    python benchmarks/seqgan_oracle.py                       # a fresh N(0, 1) oracle (seed 0)
    python benchmarks/seqgan_oracle.py --smoke               # seconds; checks the harness only

With the paper's 1,720-filter D and the default schedule, the paper's Table 1 figure is met
(three seeds took 2 hours on 2 CPU cores beside other jobs; BENCHMARKS.md):

    python benchmarks/seqgan_oracle.py --oracle ../shared/data/seqgan-oracle.npz --seeds 0 1 2 \
        --round-eval 10 --jobs 3 --discriminator paper

The paper's code's schedule (D pre-trained for 46,875 batches and trained for 4,680 a round, its
1,720-filter D) is meant for a CUDA machine; interrupted, the same command continues:

    python benchmarks/seqgan_oracle.py --oracle ../shared/data/seqgan-oracle.npz --device cuda \
        --discriminator paper --d-pretrain-steps 46875 --d-steps 4680

Each seed trains one run in three legs of the same run folder (the engine resumes it): MLE
pre-training with NLL-oracle every `--eval-steps` batches, D pre-training, then adversarial
rounds with NLL-oracle every `--round-eval` rounds; `--pretrained OUT` starts the third leg from
the pre-trained checkpoints of an earlier run, to compare adversarial settings from one start.
NLL-oracle is measured on `--samples` generated sequences (the paper: 10,000); the time each leg
took is in the runs' metrics.jsonl. Writes results.json (after every seed), report.md and the
curve nll-oracle.png to `--out`; run again with the same `--out`, it continues the runs there.
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
from ganzoo.contracts import Runtime
from ganzoo.data.oracle import PAPER_ORACLE_SHA256, file_sha256, nll_oracle, oracle_for
from ganzoo.engine.checkpoint import checkpoint_root, latest_checkpoint
from ganzoo.engine.runfolder import CONFIG_FILE, METRICS_FILE, read_config
from ganzoo.engine.tensorio import atomic_write_json
from ganzoo.variants import build_config, load_data, variant_class

PAPER = {"random": 10.310, "MLE": 9.038, "SS": 8.985, "PG-BLEU": 8.946, "SeqGAN": 8.736}
EPOCH_STEPS = 10_000 / 64  # one pass over the 10,000 training sequences at batch 64


def random_generator_nll(spec: str, settings: dict, seed: int, samples: int) -> float:
    """The 'random' row: NLL-oracle of an untrained generator (the engine's initialisation)."""
    cls = variant_class("seqgan")
    config = build_config(cls, settings)
    data = load_data(spec, cls, config, seed)
    torch.manual_seed(seed)
    model = cls(config, data.info, Runtime(torch.device("cpu")))
    return nll_oracle(oracle_for(data.info), model.sample(samples, seed=12345))


def eval_curve(run: Path) -> list[tuple[int, float]]:
    lines = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    return [(line["step"], line["eval_nll_oracle"]) for line in lines if "eval_nll_oracle" in line]


def advance(run: Path, steps: int, first: dict, eval_every: int, common: dict) -> None:
    """Train `run` up to `steps`: from scratch, by resuming it, or not at all when it is there
    already (an interrupted benchmark continues where it stopped)."""
    checkpoint = latest_checkpoint(run)
    if checkpoint is None:
        shutil.rmtree(run, ignore_errors=True)
        ganzoo.train("seqgan", steps=steps, out=run, eval_every=eval_every, **first, **common)
    elif json.loads((checkpoint / "state.json").read_text())["step"] < steps:
        ganzoo.train("seqgan", steps=steps, resume=run, eval_every=eval_every, **common)


def fork_pretrained(source: Path, run: Path, step: int, settings: dict) -> None:
    """A copy of `source` as it stood after pre-training (step `step`), with `settings` for the
    adversarial leg: MLE and D pre-training do not read them, so adversarial schedules can be
    compared from one start without training it again. Resuming the copy forgets the source's
    later metrics, as any resume does."""
    folder = checkpoint_root(source) / f"step-{step:08d}"
    if not (folder / "state.json").is_file():
        raise SystemExit(f"--pretrained: {source} has no checkpoint at step {step}")
    shutil.copytree(folder, checkpoint_root(run) / folder.name)
    shutil.copy2(source / METRICS_FILE, run / METRICS_FILE)
    config = read_config(source)
    config["config"] |= settings
    atomic_write_json(run / CONFIG_FILE, config)


def one_seed(args: argparse.Namespace, seed: int) -> dict:
    torch.set_num_threads(max(1, args.threads))
    settings = {
        "mle_steps": args.mle_steps,
        "d_pretrain_steps": args.d_pretrain_steps,
        "d_steps": args.d_steps,
        "rollouts": args.rollouts,
        "rollout_rate": args.rollout_rate,
        "discriminator": args.discriminator,
    }
    random_nll = random_generator_nll(args.spec, settings, seed, args.samples)
    run = args.out / f"seed{seed}"
    common = dict(
        device=args.device,
        progress=False,
        sample_every=0,
        checkpoint_every=0,
        log_every=50,
        eval_metric="nll_oracle",
        eval_samples=args.samples,
    )
    pretrained = args.mle_steps + args.d_pretrain_steps
    if args.pretrained and latest_checkpoint(run) is None:
        shutil.rmtree(run, ignore_errors=True)
        adversarial = {k: settings[k] for k in ("d_steps", "rollouts", "rollout_rate")}
        fork_pretrained(args.pretrained / f"seed{seed}", run, pretrained, adversarial)
    advance(
        run, args.mle_steps, dict(data=args.spec, seed=seed, **settings), args.eval_steps, common
    )
    advance(run, pretrained, {}, 0, common)
    advance(run, pretrained + args.rounds, {}, args.round_eval, common)
    curve = eval_curve(run)
    mle = next(value for step, value in curve if step == args.mle_steps)
    return {
        "seed": seed,
        "random": random_nll,
        "MLE": mle,
        "SeqGAN": curve[-1][1],
        "curve": curve,
    }


def write_figure(results: list[dict], args: argparse.Namespace, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for result in results:
        steps, values = zip(*result["curve"], strict=True)
        epochs = [
            s / EPOCH_STEPS
            if s <= args.mle_steps
            else args.mle_steps / EPOCH_STEPS + s - args.mle_steps - args.d_pretrain_steps
            for s in steps
        ]
        ax.plot(epochs, values, marker=".", label=f"seed {result['seed']}")
    ax.axvline(args.mle_steps / EPOCH_STEPS, color="grey", linestyle=":", label="adversarial from")
    for name in ("MLE", "SeqGAN") if args.paper_oracle else ():
        ax.axhline(PAPER[name], linestyle="--", linewidth=0.8, color="black")
        ax.annotate(f"paper {name} {PAPER[name]}", (0, PAPER[name]), fontsize=7)
    ax.set_xlabel("epoch (MLE: passes over 10,000 sequences; then adversarial rounds)")
    ax.set_ylabel("NLL-oracle (nats/token)")
    ax.set_title(f"SeqGAN on {args.oracle_name}")
    ax.legend(fontsize=7)
    fig.savefig(path, bbox_inches="tight", dpi=120)
    plt.close(fig)


def report(results: list[dict], args: argparse.Namespace) -> str:
    lines = [
        f"SeqGAN synthetic benchmark on {args.oracle_name}; seeds {[r['seed'] for r in results]}; "
        f"{args.samples} samples per NLL-oracle; MLE {args.mle_steps} batches of 64 "
        f"({args.mle_steps / EPOCH_STEPS:.0f} epochs), D pre-training {args.d_pretrain_steps} "
        f"batches, {args.rounds} adversarial rounds ({args.rollouts} rollouts by a net "
        f"keeping {args.rollout_rate} of itself a round, {args.d_steps} D batches each, "
        f"{args.discriminator} D)",
        "",
        "| model | NLL-oracle, mean ± sd over seeds | per seed | paper's oracle, Table 1 |",
        "|---|---|---|---|",
    ]
    for name in ("random", "MLE", "SeqGAN"):
        values = [r[name] for r in results]
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        shown = ", ".join(f"{v:.3f}" for v in values)
        paper = PAPER[name] if args.paper_oracle else "n/a"
        lines.append(
            f"| {name} | {statistics.mean(values):.3f} ± {spread:.3f} | {shown} | {paper} |"
        )
    gains = [r["MLE"] - r["SeqGAN"] for r in results]
    lines += ["", f"adversarial gain (MLE - SeqGAN): {statistics.mean(gains):.3f} nats/token"]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--oracle", type=Path, help="the paper's oracle .npz (default: fresh)")
    parser.add_argument("--oracle-seed", type=int, default=0, help="seed of a fresh oracle")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--mle-steps", type=int, default=18750, help="120 epochs at batch 64")
    parser.add_argument("--d-pretrain-steps", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=150, help="adversarial rounds")
    parser.add_argument("--rollouts", type=int, default=16)
    parser.add_argument("--d-steps", type=int, default=5, help="D batches per round")
    parser.add_argument(
        "--rollout-rate", type=float, default=0.8, help="how much the rollout net keeps a round"
    )
    parser.add_argument("--discriminator", choices=["small", "paper"], default="small")
    parser.add_argument(
        "--eval-steps", type=int, default=1250, help="MLE batches between NLL-oracle (8 epochs)"
    )
    parser.add_argument("--round-eval", type=int, default=5, help="rounds between NLL-oracle")
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--jobs", type=int, default=1, help="seeds trained at once")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/seqgan"))
    parser.add_argument(
        "--pretrained",
        type=Path,
        metavar="OUT",
        help="start each seed from the pre-trained (MLE + D) checkpoint of an earlier --out",
    )
    parser.add_argument("--smoke", action="store_true", help="tiny run that checks the harness")
    args = parser.parse_args()
    if args.smoke:
        args.seeds, args.samples, args.rollouts = [0], 200, 2
        args.mle_steps, args.d_pretrain_steps, args.rounds, args.d_steps = 4, 2, 2, 1
        args.eval_steps, args.round_eval = 2, 1
    if (
        args.mle_steps % args.eval_steps
        or (args.mle_steps + args.d_pretrain_steps) % args.round_eval
    ):
        parser.error(
            "--mle-steps must be a multiple of --eval-steps, MLE + D pre-training steps one of "
            "--round-eval (so that both end on an evaluation)"
        )
    if args.oracle is not None:
        if not args.oracle.is_file():
            parser.error(f"--oracle {args.oracle}: no such file")
        args.paper_oracle = file_sha256(args.oracle) == PAPER_ORACLE_SHA256
        name = "the paper's oracle" if args.paper_oracle else f"oracle {args.oracle.name}"
        args.oracle_name = name
        args.spec = f"oracle:{args.oracle.resolve()}"
    else:
        args.paper_oracle = False
        args.oracle_name = f"a fresh N(0, 1) oracle (seed {args.oracle_seed})"
        args.spec = f"oracle:seed={args.oracle_seed}"
    if args.smoke:
        args.spec += ",samples=256,test=64"
    args.out.mkdir(parents=True, exist_ok=True)
    args.threads = max(1, torch.get_num_threads() // args.jobs)
    results = []
    with ProcessPoolExecutor(args.jobs) as pool:
        for result in pool.map(one_seed, [args] * len(args.seeds), args.seeds):
            results.append(result)
            (args.out / "results.json").write_text(json.dumps(results, indent=1))
            print(
                f"seed {result['seed']}: random {result['random']:.3f}  MLE {result['MLE']:.3f}  "
                f"SeqGAN {result['SeqGAN']:.3f}",
                flush=True,
            )
    text = report(results, args)
    (args.out / "report.md").write_text(text)
    write_figure(results, args, args.out / "nll-oracle.png")
    print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
