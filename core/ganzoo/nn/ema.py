"""Exponential moving average of a network's weights (opt-in, for the generator)."""

from __future__ import annotations

import copy

import torch
from torch import nn


class EMA:
    def __init__(self, network: nn.Module, decay: float):
        self.decay = decay
        self.shadow = copy.deepcopy(network).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, network: nn.Module) -> None:
        live = list(network.parameters())
        torch._foreach_lerp_(list(self.shadow.parameters()), live, 1 - self.decay)
        for shadow_buffer, buffer in zip(self.shadow.buffers(), network.buffers(), strict=True):
            shadow_buffer.copy_(buffer)
