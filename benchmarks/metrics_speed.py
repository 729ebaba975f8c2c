"""The zoo's metrics against the usual implementations, timed side by side in one run.

    python benchmarks/metrics_speed.py            # FID at d = 2048; PR/DC at 10k x 10k x 2048
    python benchmarks/metrics_speed.py --smoke    # seconds; checks the harness and agreement
    python benchmarks/metrics_speed.py --device cuda   # the zoo's side on a GPU (copy included)
    python benchmarks/metrics_speed.py --memory 50000  # PR/DC at 50k x 50k x 2048: peak memory

FID: `ganzoo.metrics.frechet_distance` (two symmetric eigendecompositions, float64) against the
scipy formula (np.cov + scipy.linalg.sqrtm). PR/DC: `neighbour_statistics` (chunked float32
distances, one pass per block) against the `prdc` package (`pip install prdc`).
"""

from __future__ import annotations

import argparse
import platform
import resource
import time

import numpy as np
import scipy.linalg
import torch

from ganzoo.metrics import frechet_distance, neighbour_statistics


def scipy_fid(real: np.ndarray, fake: np.ndarray) -> float:
    mu1, mu2 = real.mean(0), fake.mean(0)
    s1, s2 = np.cov(real, rowvar=False), np.cov(fake, rowvar=False)
    root = scipy.linalg.sqrtm(s1 @ s2)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * root.real))


def timed(function, *args):
    start = time.perf_counter()
    value = function(*args)
    return value, time.perf_counter() - start


def fid_steps(real: np.ndarray) -> str:
    """Where the zoo's FID time goes on the CPU: its steps, timed one by one."""
    from ganzoo.metrics.frechet import _moments

    (_, cov), t_cov = timed(_moments, torch.from_numpy(real).double())
    factor, t_factor = timed(torch.linalg.cholesky, cov)
    inner, t_product = timed(lambda: factor.T @ cov @ factor)
    _, t_values = timed(torch.linalg.eigvalsh, inner)
    return (
        f"  zoo steps: covariance {t_cov:.2f} s (x2), Cholesky {t_factor:.2f} s, "
        f"L^T S L {t_product:.2f} s, eigenvalues {t_values:.2f} s"
    )


def peak_memory_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux: KiB


def memory_check(n: int, dim: int, limit_gib: float = 4.0) -> int:
    """PR/DC on n x n x dim float32 features in this process; the peak resident memory
    includes the features themselves."""
    rng = np.random.default_rng(0)
    real = torch.from_numpy(rng.standard_normal((n, dim), dtype=np.float32))
    fake = torch.from_numpy(rng.standard_normal((n, dim), dtype=np.float32))
    features = peak_memory_gib()
    stats, seconds = timed(neighbour_statistics, real, fake, 3, 5)
    peak = peak_memory_gib()
    print(f"PR/DC {n} x {n} x {dim}, float32, k = 3 / 5: {seconds:.0f} s; {stats._asdict()}")
    print(
        f"peak resident memory {peak:.2f} GiB (features and interpreter alone: {features:.2f} "
        f"GiB); limit {limit_gib:.0f} GiB: {'within' if peak <= limit_gib else 'OVER'}"
    )
    return 0 if peak <= limit_gib else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dim", type=int, default=2048)
    parser.add_argument("--fid-samples", type=int, default=10_000)
    parser.add_argument("--prdc-samples", type=int, default=10_000)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--device", default="cpu", help="where the zoo's side runs")
    parser.add_argument(
        "--memory", type=int, metavar="N", help="only the N x N memory check of PR/DC (on CPU)"
    )
    args = parser.parse_args()
    if args.memory:
        return memory_check(args.memory, args.dim)
    if args.smoke:
        args.dim, args.fid_samples, args.prdc_samples = 64, 500, 400
    rng = np.random.default_rng(0)
    device = torch.device(args.device)
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(
        f"machine: {platform.machine()} {platform.processor()}, torch {torch.__version__}, "
        f"threads {torch.get_num_threads()}; zoo side on {device} ({where}), "
        "host-to-device copy timed with it"
    )

    def on_device(function):
        return lambda real, fake, *rest: function(
            torch.from_numpy(real).to(device), torch.from_numpy(fake).to(device), *rest
        )

    if device.type == "cuda":
        frechet_distance(torch.ones(4, 2, device=device), torch.zeros(4, 2, device=device))

    real = rng.normal(size=(args.fid_samples, args.dim)).astype(np.float32)
    fake = (rng.normal(size=(args.fid_samples, args.dim)) * 1.05 + 0.02).astype(np.float32)
    ours, t_ours = timed(on_device(frechet_distance), real, fake)
    theirs, t_theirs = timed(scipy_fid, real.astype(np.float64), fake.astype(np.float64))
    print(
        f"FID d={args.dim}, n={args.fid_samples}: zoo {t_ours:.2f} s, scipy sqrtm {t_theirs:.2f} s "
        f"-> {t_theirs / t_ours:.1f}x faster; values {ours:.6f} vs {theirs:.6f} "
        f"(relative difference {abs(ours / theirs - 1):.1e})"
    )
    if device.type == "cpu":
        print(fid_steps(real))

    import prdc

    n = args.prdc_samples
    real = rng.normal(size=(n, args.dim)).astype(np.float32)
    fake = rng.normal(size=(n, args.dim)).astype(np.float32)
    ours, t_ours = timed(on_device(neighbour_statistics), real, fake, 5, 5)
    theirs, t_theirs = timed(prdc.compute_prdc, real, fake, 5)
    print(
        f"PR/DC {n} x {n} x {args.dim}, k=5: zoo {t_ours:.2f} s, prdc {t_theirs:.2f} s "
        f"-> {t_theirs / t_ours:.1f}x faster"
    )
    print(f"  zoo:  {ours._asdict()}")
    print(f"  prdc: { {k: float(v) for k, v in theirs.items()} }")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
