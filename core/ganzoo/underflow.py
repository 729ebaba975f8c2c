"""`exp` and `logsumexp` for arguments far below zero, where most terms underflow.

torch's CPU `exp` leaves its vectorised path for arguments under the log of float32's smallest
normal number (about -87.3): 15 to 40 times slower per element in torch 2.13 (BENCHMARKS.md).
Sinkhorn at small epsilon and Parzen windows at small bandwidth put most of their terms there.
Raising those arguments to just above the threshold changes each term by less than the dtype's
smallest normal, which no sum whose largest term is 1 can register in that precision.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


def exponent_floor(dtype: torch.dtype) -> float:
    """The smallest argument whose `exp` stays a normal number of `dtype`, with a margin."""
    return math.log(torch.finfo(dtype).tiny) + 1


def floored_exp_(x: Tensor) -> Tensor:
    """In place: exp of x, with arguments under `exponent_floor` raised to it."""
    return x.clamp_(min=exponent_floor(x.dtype)).exp_()


def logsumexp(x: Tensor, dim: int) -> Tensor:
    """`torch.logsumexp(x, dim)` for finite x, its terms through `floored_exp_`."""
    peak = x.amax(dim, keepdim=True)
    return floored_exp_(x - peak).sum(dim).log_() + peak.squeeze(dim)
