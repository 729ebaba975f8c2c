"""Does `--cuda-graph` train the same model as eager mode? Each graph-capturable variant trains
the same steps from the same seed both ways; the table gives the largest difference between
the two models' samples, beside the difference between two eager runs (speed:
`train_throughput.py --cuda-graph`).

    python benchmarks/cuda_graph_check.py                  # CUDA: every variant, 30 steps
    python benchmarks/cuda_graph_check.py --steps 200 --variants dcgan
    python benchmarks/cuda_graph_check.py --smoke          # CPU, eager against eager: the harness

On the H100 two eager runs agree to the bit and a graphed run does not (BENCHMARKS.md: up to
0.44 after 30 steps, WGAN-GP), so the table shows that the recorded step is not eager's bit for
bit, not whether it trains as well. For that, BENCHMARKS.md compares `zoo eval` of eager and
graphed runs of the README's main job. A recorded step that missed something the eager step
does (a host-side draw, a swap, a counter) would show there as a worse model.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch

import ganzoo
from ganzoo.algorithms.adversarial import AdversarialGAN
from ganzoo.plugins import host
from ganzoo.variants import variant_class


def capturable_variants() -> list[str]:
    """The installed variants of the `AdversarialGAN` family: their default step is capturable."""
    ids = host().ids("variant")
    return [v for v in ids if issubclass(variant_class(v), AdversarialGAN)]


def train_and_sample(variant: str, graph: bool, args, out: Path) -> torch.Tensor:
    run = ganzoo.train(
        variant,
        steps=args.steps,
        seed=0,
        device=args.device,
        cuda_graph=graph,
        out=out,
        progress=False,
        sample_every=0,
        checkpoint_every=0,
        log_every=args.steps,
        **args.settings,
    )
    return ganzoo.load(run, device="cpu").sample(64, seed=0).float()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--variants", nargs="+", help="default: every capturable variant")
    parser.add_argument("--smoke", action="store_true", help="CPU, eager both times, 2 steps")
    args = parser.parse_args()
    args.settings = {}
    args.variants = args.variants or capturable_variants()
    if args.smoke:
        args.device, args.steps, args.variants = "cpu", 2, ["dcgan"]
        args.settings = {"batch_size": 8}
    print(f"device {args.device}, {args.steps} steps, seed 0, torch {torch.__version__}")
    print("largest difference between the 64 samples (images in [-1, 1]) of two trainings:")
    print("| variant | eager against CUDA graph | eager against eager |")
    print("|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for variant in args.variants:
            eager = train_and_sample(variant, False, args, Path(folder) / f"{variant}-eager")
            graphed = train_and_sample(
                variant, not args.smoke, args, Path(folder) / f"{variant}-graph"
            )
            again = train_and_sample(variant, False, args, Path(folder) / f"{variant}-again")
            print(
                f"| {variant} | {float((eager - graphed).abs().max()):.2e} "
                f"| {float((eager - again).abs().max()):.2e} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
