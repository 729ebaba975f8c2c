"""The constant-then-linear learning-rate decay (CycleGAN's schedule, and a way to let any GAN
settle at the end of a run). Set by the config, not by --steps, so a resumed run follows the
same schedule."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from pydantic import BaseModel, Field


class LinearDecay(BaseModel):
    """Config fields: the rates stay as configured up to `decay_start`, then fall in a straight
    line to 0 over `decay_steps` steps."""

    decay_start: int | None = Field(
        None, ge=0, description="step after which the learning rates decay; None = constant"
    )
    decay_steps: int = Field(1000, ge=1, description="steps over which they decay to 0")

    def rate_share(self, step: int) -> float:
        if self.decay_start is None:
            return 1.0
        return min(1.0, max(0.0, 1 - (step - self.decay_start) / self.decay_steps))


def decaying(config: object) -> bool:
    return isinstance(config, LinearDecay) and config.decay_start is not None


def scale_learning_rates(optimizers: Iterable[torch.optim.Optimizer], share: float) -> None:
    """Each group's rate becomes `share` of its first rate, which is kept in the group (as
    torch's own schedulers keep it) and so travels with the optimizer's checkpointed state."""
    for optimizer in optimizers:
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
            group["lr"] = group["initial_lr"] * share
