"""Gaussian noise on a discriminator's inputs while it trains (Salimans et al.'s code; "instance
noise" in later papers): real and generated distributions are blurred into overlapping ones,
so D cannot separate them perfectly and its gradients to G stay informative."""

from __future__ import annotations

import torch
from torch import Tensor, nn


class GaussianNoise(nn.Module):
    """x + N(0, std²) in training mode; the identity in evaluation mode."""

    def __init__(self, std: float):
        super().__init__()
        self.std = std

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or not self.std:
            return x
        return x + self.std * torch.randn_like(x)
