"""Entropy-regularised optimal transport between two equal-weight minibatches (Sinkhorn).

Log-domain iterations on the dual potentials, so small regularisation (epsilon) neither
underflows nor overflows. The transport cost's gradient with respect to the cost matrix is the
plan itself (envelope theorem), so no gradient flows through the iterations: memory stays at
one n x m matrix and the backward pass costs nothing extra.

`exp` goes through `ganzoo.underflow`: at small epsilon most of its terms underflow.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ganzoo.underflow import floored_exp_, logsumexp


def epsilon_schedule(epsilon: float, iterations: int, start: float | None = None) -> list[float]:
    """The regularisation of each iteration. With `start` above `epsilon` (epsilon-scaling):
    a geometric decay from `start` over the first half, then `epsilon`. At small epsilon plain
    iterations spread mass slowly (after 100 at 0.001 on cosine costs, some rows of the plan
    hold three times their marginal, BENCHMARKS.md); each coarser solve starts the next one
    near its answer."""
    if start is None or start <= epsilon or iterations < 4:
        return [epsilon] * iterations
    levels = iterations // 2
    decay = [start * (epsilon / start) ** (k / (levels - 1)) for k in range(levels)]
    return decay + [epsilon] * (iterations - levels)


@torch.no_grad()
def sinkhorn_plan(
    cost: Tensor, epsilon: float, iterations: int = 100, start: float | None = None
) -> Tensor:
    """The plan P minimising <P, C> - epsilon H(P) with uniform marginals (rows sum to 1/n,
    columns to 1/m after the last half-step), in the cost's dtype. `cost` is (..., n, m): a
    stack of problems is solved in one pass. A fixed number of iterations and no convergence
    test, so there is no device-to-host sync; `start` turns on epsilon-scaling
    (`epsilon_schedule`), best set to the cost's diameter."""
    n, m = cost.shape[-2:]
    log_a, log_b = -math.log(n), -math.log(m)
    g = torch.zeros((*cost.shape[:-2], m), dtype=cost.dtype, device=cost.device)
    level = None
    for current in epsilon_schedule(epsilon, iterations, start):
        if current != level:
            if level is not None:
                g = g * (level / current)  # the same potential, in the new level's units
            scaled, level = -cost / current, current
        f = log_a - logsumexp(scaled + g.unsqueeze(-2), dim=-1)
        g = log_b - logsumexp(scaled + f.unsqueeze(-1), dim=-2)
    log_plan = scaled + f.unsqueeze(-1) + g.unsqueeze(-2)
    return floored_exp_(log_plan)


def sinkhorn_cost(
    cost: Tensor, epsilon: float, iterations: int = 100, start: float | None = None
) -> Tensor:
    """<P, C> for the Sinkhorn plan P of each (n, m) problem in `cost` (..., n, m);
    differentiable in C (the gradient is P)."""
    plan = sinkhorn_plan(cost.detach(), epsilon, iterations, start)
    return (plan * cost).sum(dim=(-2, -1))


def cosine_cost(x: Tensor, y: Tensor) -> Tensor:
    """1 - cos(x_i, y_j): OT-GAN's transport cost between critic embeddings."""
    x = torch.nn.functional.normalize(x.flatten(1).float(), dim=1)
    y = torch.nn.functional.normalize(y.flatten(1).float(), dim=1)
    return 1 - x @ y.T
