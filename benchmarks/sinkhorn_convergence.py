"""How far OT-GAN's 100 Sinkhorn iterations are from the plan they stand for, on a real critic.

    python benchmarks/sinkhorn_convergence.py           # trains 1,500 steps (a minute on 2 cores)
    python benchmarks/sinkhorn_convergence.py --run RUN # an otgan run folder you trained
    python benchmarks/sinkhorn_convergence.py --smoke   # seconds; checks the harness only

Trains otgan on grid25 (batch 128, lr 1e-3, epsilon 0.001, seed 0, as `zoo train otgan --data
grid25 --steps 1500 --batch-size 128 --set lr=1e-3 --set epsilon=0.001`), then takes one cosine
cost matrix between its critic's embeddings of 128 real points and 128 samples and solves it
at each epsilon with 100 float32 iterations, plain and with epsilon-scaling from 2 (the cost's
diameter), against a float64 solve run to convergence. Row error: the largest |128 * row sum - 1|
(the columns are exact after Sinkhorn's last half-step); L1: the plans' distance; W: <P, C>.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch

import ganzoo
from ganzoo.transport import cosine_cost, sinkhorn_plan
from ganzoo.variants import build_config, load_data, variant_class

EPSILONS = (0.01, 0.003, 0.001)
POINTS = 128


def trained_run(folder: Path, steps: int) -> Path:
    return ganzoo.train(
        "otgan",
        data="grid25",
        steps=steps,
        seed=0,
        batch_size=POINTS,
        out=folder / "run",
        device="cpu",
        progress=False,
        sample_every=0,
        checkpoint_every=0,
        log_every=steps,
        lr=1e-3,
        epsilon=0.001,
    )


def critic_cost(run: Path) -> torch.Tensor:
    torch.manual_seed(0)
    model = ganzoo.load(run, device="cpu")
    variant = variant_class("otgan")
    real = load_data("grid25", variant, build_config(variant, {}), 0).train["x"]
    real = real[torch.randperm(len(real))[:POINTS]]
    with torch.no_grad():
        critic = model.networks["critic"]
        return cosine_cost(critic(real), critic(model.sample(POINTS, seed=10)))


def table(cost: torch.Tensor, reference_iterations: int) -> str:
    lines = [
        "| epsilon | Sinkhorn | row error | L1 to converged | W | converged W |",
        "|---|---|---|---|---|---|",
    ]
    for epsilon in EPSILONS:
        converged = sinkhorn_plan(cost.double(), epsilon, reference_iterations)
        w_converged = (converged * cost).sum().item()
        for name, start in (("plain", None), ("scaled from 2", 2.0)):
            plan = sinkhorn_plan(cost, epsilon, 100, start).double()
            row_error = (plan.sum(1) * POINTS - 1).abs().max().item()
            distance = (plan - converged).abs().sum().item()
            w = (plan * cost).sum().item()
            lines.append(
                f"| {epsilon} | {name} | {row_error:.3f} | {distance:.3f} | {w:.4f} "
                f"| {w_converged:.4f} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", type=Path, help="an otgan run folder (default: train one)")
    parser.add_argument("--steps", type=int, default=1500, help="training steps when training")
    parser.add_argument("--reference-iterations", type=int, default=30000)
    parser.add_argument("--smoke", action="store_true", help="20 steps, 2,000-iteration reference")
    args = parser.parse_args()
    if args.smoke:
        args.steps, args.reference_iterations = 20, 2000
    with tempfile.TemporaryDirectory() as folder:
        run = args.run or trained_run(Path(folder), args.steps)
        print(table(critic_cost(run), args.reference_iterations))


if __name__ == "__main__":
    main()
