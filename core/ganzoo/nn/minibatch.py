"""Minibatch discrimination (Salimans et al. 2016, section 3.2), usable by any discriminator.

A discriminator that sees one sample at a time cannot tell that the generator keeps producing
the same point; this layer lets it compare each sample with the rest of its minibatch. Call the
discriminator on the real and on the fake batch separately, so the comparison stays within one.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


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
        per_kernel = m.transpose(0, 1)  # (B, N, C)
        distances = torch.cdist(per_kernel, per_kernel, p=1)  # (B, N, N)
        closeness = torch.exp(-distances)
        others = ~torch.eye(len(f), dtype=torch.bool, device=f.device)
        o = (closeness * others).sum(dim=2).T  # (N, B): self-pairs excluded
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
