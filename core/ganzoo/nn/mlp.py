"""Fully connected generator and discriminator, the 2014 GAN's networks (and 2-D toy data's)."""

from __future__ import annotations

import itertools
import math

import torch
from torch import Tensor, nn

from ganzoo.nn.norms import Norm, weight_norm_wrap


def mlp(
    sizes: list[int], activation: nn.Module, norm: Norm = "none", dropout: float = 0.0
) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(weight_norm_wrap(nn.Linear(fan_in, fan_out), norm))
        if i < len(sizes) - 2:
            layers.append(activation)
            if dropout:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def mlp_trunk(
    shape: tuple[int, ...], hidden: int, depth: int, norm: Norm = "none", dropout: float = 0.0
) -> nn.Module:
    """A discriminator's hidden layers without a head: x -> features of size `hidden`."""
    return nn.Sequential(
        nn.Flatten(),
        mlp([math.prod(shape), *[hidden] * depth], nn.LeakyReLU(0.2), norm, dropout),
        nn.LeakyReLU(0.2),
        *([nn.Dropout(dropout)] if dropout else []),
    )


class MLPGenerator(nn.Module):
    def __init__(
        self,
        z_dim: int,
        shape: tuple[int, ...],
        hidden: int,
        depth: int,
        num_classes: int = 0,
        bounded: bool = False,
    ):
        super().__init__()
        self.shape = shape
        self.embed = nn.Embedding(num_classes, z_dim) if num_classes else None
        out = math.prod(shape)
        self.body = mlp([z_dim * (2 if num_classes else 1), *[hidden] * depth, out], nn.ReLU())
        self.bounded = bounded

    def forward(self, z: Tensor, condition: Tensor | None = None) -> Tensor:
        if self.embed is not None:
            z = torch.cat([z, self.embed(condition)], dim=1)
        x = self.body(z)
        x = torch.tanh(x) if self.bounded else x
        return x.view(-1, *self.shape)


class MLPDiscriminator(nn.Module):
    def __init__(
        self,
        shape: tuple[int, ...],
        hidden: int,
        depth: int,
        norm: Norm = "none",
        num_classes: int = 0,
    ):
        super().__init__()
        inputs = math.prod(shape) + (num_classes if num_classes else 0)
        self.num_classes = num_classes
        self.body = mlp([inputs, *[hidden] * depth], nn.LeakyReLU(0.2), norm)
        self.activation = nn.LeakyReLU(0.2)
        self.head = weight_norm_wrap(nn.Linear(hidden, 1), norm)

    def features(self, x: Tensor, condition: Tensor | None = None) -> Tensor:
        x = x.flatten(1)
        if self.num_classes:
            x = torch.cat([x, nn.functional.one_hot(condition, self.num_classes).to(x.dtype)], 1)
        return self.activation(self.body(x))

    def forward(self, x: Tensor, condition: Tensor | None = None) -> Tensor:
        return self.head(self.features(x, condition)).squeeze(1)
