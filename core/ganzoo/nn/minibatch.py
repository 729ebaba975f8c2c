"""Minibatch discrimination (Salimans et al. 2016, section 3.2), usable by any discriminator.

A discriminator that sees one sample at a time cannot tell that the generator keeps producing
the same point; this layer lets it compare each sample with the rest of its minibatch. Call the
discriminator on the real and on the fake batch separately, so the comparison stays within one.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.autograd.function import FunctionCtx, once_differentiable


def _pair_gradient(weight: Tensor, points: Tensor, distances: Tensor) -> Tensor:
    """sum over j of weight_ij * d||p_i - p_j||_1 / dp_i, for a weight symmetric in i, j.
    aten's private kernel behind cdist's backward; the layer's gradient tests pin it."""
    return torch.ops.aten._cdist_backward(weight.contiguous(), points, points, 1.0, distances)


def _distance_derivatives(points: Tensor, velocities: Tensor) -> Tensor:
    """(B, N, N): d||p_i - p_j||_1 / dt when every p_i moves at v_i, that is
    sum over c of (v_ic - v_jc) sign(p_ic - p_jc), written as a + a^T with
    a_ij = sum over c of v_ic sign(p_ic - p_jc). One (B, N, N) buffer per coordinate instead of
    a (B, C, N, N) broadcast: R1 steps of improved-gan at batch 128 run 1.8-2x faster on CPU
    (BENCHMARKS.md)."""
    outward = points.new_zeros(points.shape[0], points.shape[1], points.shape[1])
    for c in range(points.shape[-1]):
        coordinate = points[..., c]
        signs = torch.sign(coordinate.unsqueeze(-1) - coordinate.unsqueeze(-2))
        outward.addcmul_(velocities[..., c].unsqueeze(-1), signs)
    return outward + outward.transpose(-1, -2)


class _ClosenessGradient(torch.autograd.Function):
    """The gradient of _L1Closeness, written as a function of its own so that it can be
    differentiated once more: R1 and gradient penalties back-propagate through it, and
    torch has no double backward for the L1 `cdist` (it raises on torch 2.13)."""

    @staticmethod
    def forward(
        ctx: FunctionCtx, points: Tensor, grad: Tensor, distances: Tensor, closeness: Tensor
    ) -> Tensor:
        weight = (grad.unsqueeze(-1) + grad.unsqueeze(-2)) * closeness
        ctx.save_for_backward(points, distances, closeness, weight)
        return _pair_gradient(-weight, points, distances)

    @staticmethod
    @once_differentiable
    def backward(ctx: FunctionCtx, upstream: Tensor) -> tuple[Tensor, Tensor, None, None]:
        points, distances, closeness, weight = ctx.saved_tensors
        along = _distance_derivatives(points, upstream)
        grad_grad = -(closeness * along).sum(-1)
        return _pair_gradient(weight * along, points, distances), grad_grad, None, None


class _L1Closeness(torch.autograd.Function):
    """Contiguous (B, N, C) points -> (B, N): sum over j != i of exp(-||p_i - p_j||_1).

    One forward pass and a backward written for this sum: 1.4x to 2.4x faster than autograd
    through `cdist` on CPU at batches of 64 to 256 (BENCHMARKS.md). The points must be
    contiguous, so that what is saved for backward is the input itself and a second
    derivative reaches it."""

    @staticmethod
    def forward(ctx: FunctionCtx, points: Tensor) -> Tensor:
        distances = torch.cdist(points, points, p=1)
        closeness = torch.exp(-distances)
        closeness.diagonal(dim1=-2, dim2=-1).zero_()  # a sample is not its own neighbour
        ctx.save_for_backward(points, distances, closeness)
        return closeness.sum(-1)

    @staticmethod
    def backward(ctx: FunctionCtx, grad: Tensor) -> Tensor:
        points, distances, closeness = ctx.saved_tensors
        return _ClosenessGradient.apply(points, grad.contiguous(), distances, closeness)


class MinibatchDiscrimination(nn.Module):
    """f(x) in R^A -> [f(x), o(x)] in R^(A+B), with M_i = f(x_i) T (T in R^(A x B x C)),
    c_b(x_i, x_j) = exp(-||M_i,b - M_j,b||_1) and o(x_i)_b = sum over j != i of c_b(x_i, x_j).
    Defaults B = 100 kernels of C = 5 dimensions, as in the original code."""

    def __init__(self, in_features: int, kernels: int = 100, kernel_dim: int = 5):
        super().__init__()
        self.kernels, self.kernel_dim = kernels, kernel_dim
        self.T = nn.Parameter(torch.randn(in_features, kernels * kernel_dim) * 0.05)
        self.out_features = in_features + kernels

    def forward(self, f: Tensor) -> Tensor:
        m = (f @ self.T.to(f.dtype)).view(len(f), self.kernels, self.kernel_dim)
        if m.dtype in (torch.float16, torch.bfloat16):  # as autocast would run cdist: in fp32
            m = m.float()
        o = _L1Closeness.apply(m.transpose(0, 1).contiguous()).T  # (N, B)
        return torch.cat([f, o.to(f.dtype)], dim=1)


class MinibatchDiscriminator(nn.Module):
    """A trunk (MLP or DCGAN body) giving features f(x), the minibatch layer, one linear score.
    `features` exposes f(x) for feature matching."""

    def __init__(self, trunk: nn.Module, features: int, kernels: int = 100, kernel_dim: int = 5):
        super().__init__()
        self.trunk = trunk
        self.minibatch = (
            MinibatchDiscrimination(features, kernels, kernel_dim) if kernels else nn.Identity()
        )
        self.head = nn.Linear(features + kernels, 1)

    def features(self, x: Tensor) -> Tensor:
        return self.trunk(x)

    def forward(self, x: Tensor, condition: Tensor | None = None) -> Tensor:
        del condition
        return self.head(self.minibatch(self.trunk(x))).squeeze(1)
