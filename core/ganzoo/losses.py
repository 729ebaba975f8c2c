"""Adversarial objectives, written once for every variant (LECTURES.md section 2).

Scores are raw discriminator outputs (logits or critic values); the log-sigmoid forms are the
numerically stable way of writing log D and log(1 - D).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ganzoo.contracts import AdversarialLoss


class Minimax(AdversarialLoss):
    """MMGAN: G minimises log(1 - D(G(z))); saturates while D easily rejects fakes."""

    name = "minimax"

    def discriminator(self, real: Tensor, fake: Tensor) -> Tensor:
        return F.softplus(-real).mean() + F.softplus(fake).mean()

    def generator(self, fake: Tensor) -> Tensor:
        return -F.softplus(fake).mean()


class NonSaturating(Minimax):
    """NSGAN: G minimises -log D(G(z)); same fixed point, strong gradients early. The default."""

    name = "non-saturating"

    def generator(self, fake: Tensor) -> Tensor:
        return F.softplus(-fake).mean()


class Wasserstein(AdversarialLoss):
    """WGAN critic: maximise E[D(real)] - E[D(fake)] (needs a Lipschitz constraint)."""

    name = "wasserstein"

    def discriminator(self, real: Tensor, fake: Tensor) -> Tensor:
        return fake.mean() - real.mean()

    def generator(self, fake: Tensor) -> Tensor:
        return -fake.mean()


class Hinge(AdversarialLoss):
    """SNGAN / BigGAN hinge loss."""

    name = "hinge"

    def discriminator(self, real: Tensor, fake: Tensor) -> Tensor:
        return F.relu(1 - real).mean() + F.relu(1 + fake).mean()

    def generator(self, fake: Tensor) -> Tensor:
        return -fake.mean()


class LeastSquares(AdversarialLoss):
    """LSGAN with the 0-1 coding (a = 0, b = c = 1); also CycleGAN's adversarial loss."""

    name = "least-squares"

    def discriminator(self, real: Tensor, fake: Tensor) -> Tensor:
        return 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake**2).mean()

    def generator(self, fake: Tensor) -> Tensor:
        return 0.5 * ((fake - 1) ** 2).mean()


LOSSES: dict[str, type[AdversarialLoss]] = {
    cls.name: cls for cls in (Minimax, NonSaturating, Wasserstein, Hinge, LeastSquares)
}


def adversarial_loss(name: str) -> AdversarialLoss:
    return LOSSES[name]()


def input_gradient(critic, x: Tensor) -> Tensor:
    """Per-sample gradient of the critic's score with respect to its input, flattened, kept in
    the graph so a penalty on it trains the critic."""
    x = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
    return grad.flatten(1)


def gradient_penalty(critic, real: Tensor, fake: Tensor) -> Tensor:
    """WGAN-GP: (||grad D(x_hat)|| - 1)^2 on random interpolates of real and fake samples."""
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    alpha = torch.rand(shape, device=real.device, dtype=real.dtype)
    mixed = alpha * real + (1 - alpha) * fake
    return ((input_gradient(critic, mixed).norm(dim=1) - 1) ** 2).mean()


def r1_penalty(critic, real: Tensor) -> Tensor:
    """Mescheder et al. 2018's R1: ||grad D(x)||^2 on real samples only. Zero-centred, so D is
    pushed flat on the data rather than to slope 1 along lines to the fakes, as WGAN-GP does."""
    return input_gradient(critic, real).square().sum(dim=1).mean()
