"""Memory layout across the seams between flat and image-shaped activations.

The engine trains image networks in channels-last layout (faster convolutions). Where a network
flattens an activation for a linear layer, or unflattens a linear layer's output for a
convolution, autograd would carry the gradient across the seam in the default layout while the
activations beside it are channels-last; elementwise backward kernels fed two layouts leave their
vectorised path (LeakyReLU's backward took ten times the reference's time per call on CPU,
BENCHMARKS.md). These seams keep one layout on both sides, and `use_channels_last` switches a
network and its seams together.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def layout_of(x: Tensor) -> torch.memory_format:
    if (
        x.dim() == 4
        and not x.is_contiguous()
        and x.is_contiguous(memory_format=torch.channels_last)
    ):
        return torch.channels_last
    return torch.contiguous_format


class _FlattenKeepingLayout(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        ctx.shape, ctx.layout = x.shape, layout_of(x)
        return x.flatten(1)

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:
        return grad.reshape(ctx.shape).contiguous(memory_format=ctx.layout)


class Flatten(nn.Module):
    """(N, C, H, W) -> (N, C·H·W) in C, H, W order whatever the layout; the gradient goes back
    in the layout the activation came in."""

    def forward(self, x: Tensor) -> Tensor:
        return _FlattenKeepingLayout.apply(x) if x.dim() == 4 else x.flatten(1)


class Unflatten(nn.Module):
    """(N, C·H·W) -> (N, C, H, W), channels-last once `use_channels_last` has switched the
    network, so the activations before its first convolution match that convolution's
    gradients."""

    def __init__(self, shape: tuple[int, int, int]):
        super().__init__()
        self.shape = shape
        self.memory_format = torch.contiguous_format

    def forward(self, x: Tensor) -> Tensor:
        return x.unflatten(1, self.shape).contiguous(memory_format=self.memory_format)


def use_channels_last(network: nn.Module) -> None:
    network.to(memory_format=torch.channels_last)
    for module in network.modules():
        if isinstance(module, Unflatten):
            module.memory_format = torch.channels_last
