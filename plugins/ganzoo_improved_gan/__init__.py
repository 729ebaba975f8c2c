"""`improved-gan` — Salimans et al., NIPS 2016, "Improved techniques for training GANs":

    D = trunk f(x) -> minibatch discrimination [f(x), o(x)] -> score   (real and fake batches apart)
    D's trunk sees x + N(0, 0.2²) and drops out half its units        (as in the original code)
    D's real target 0.9 instead of 1                                   (one-sided label smoothing)
    G minimises ||mean f(real) - mean f(G(z))||²                        (feature matching, option)
    both add w ||theta - mean of past theta||²                          (historical averaging, option)

The minibatch layer lives in core (`ganzoo.nn.minibatch`); the rest is this paper's.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import Tensor, nn

from ganzoo import PLUGIN_API_VERSION, hookimpl
from ganzoo.algorithms.adversarial import AdversarialConfig, AdversarialGAN
from ganzoo.contracts import AdversarialLoss, NextBatch
from ganzoo.nn.dcgan import DCGANBody
from ganzoo.nn.minibatch import MinibatchDiscriminator
from ganzoo.nn.mlp import mlp_trunk
from ganzoo.nn.noise import GaussianNoise


class ImprovedGANConfig(AdversarialConfig):
    loss: Literal["non-saturating", "minimax"] = Field(
        "non-saturating", description="generator loss when feature matching is off"
    )
    kernels: int = Field(100, ge=0, description="B: minibatch-discrimination kernels; 0 = off")
    kernel_dim: int = Field(5, ge=1, description="C: dimensions per kernel")
    feature_matching: bool = Field(False, description="G matches D's mean trunk features")
    real_label: float | None = Field(
        None,
        gt=0,
        le=1,
        description="D's target on real data; 0.9 = one-sided label smoothing; default 0.9 on "
        "2-D points (without it D wins outright there), 1 on images",
    )
    historical_averaging: float = Field(
        0.0, ge=0, description="weight of ||theta - mean past theta||² on both players; 0 = off"
    )
    input_noise: float | None = Field(
        None,
        ge=0,
        description="std of Gaussian noise on D's inputs while training; "
        "default 0.2 on images (the original code's), 0 on 2-D points (modes 0.02 wide)",
    )
    d_dropout: float | None = Field(
        None,
        ge=0,
        lt=1,
        description="dropout after each of D's trunk layers; default 0.5 on images "
        "(the original code's), 0 on 2-D points",
    )


class HistoricalAverage(nn.Module):
    """The running arithmetic mean of a network's parameters, as buffers (so it resumes)."""

    def __init__(self, network: nn.Module):
        super().__init__()
        for i, p in enumerate(network.parameters()):
            self.register_buffer(f"mean{i}", p.detach().clone())
        self.register_buffer("count", torch.ones((), dtype=torch.long))

    def penalty(self, network: nn.Module) -> Tensor:
        return sum(
            (p - getattr(self, f"mean{i}")).square().sum()
            for i, p in enumerate(network.parameters())
        )

    @torch.no_grad()
    def update(self, network: nn.Module) -> None:
        self.count += 1
        for i, p in enumerate(network.parameters()):
            mean = getattr(self, f"mean{i}")
            mean += (p.detach() - mean) / self.count


class OneSidedSmoothing(AdversarialLoss):
    """D's target on real data lowered to `real_label`; fakes keep target 0 (smoothing them
    would reward D for leaving fakes where they are)."""

    def __init__(self, base: AdversarialLoss, real_label: float):
        self.base, self.real_label = base, real_label
        self.name = base.name

    def discriminator(self, real: Tensor, fake: Tensor) -> Tensor:
        target = torch.full_like(real, self.real_label)
        return F.binary_cross_entropy_with_logits(real, target) + F.softplus(fake).mean()

    def generator(self, fake: Tensor) -> Tensor:
        return self.base.generator(fake)


class ImprovedGAN(AdversarialGAN):
    id = "improved-gan"
    Config = ImprovedGANConfig
    default_data = "grid25"
    config: ImprovedGANConfig

    def __init__(self, config, data, runtime):
        super().__init__(config, data, runtime)
        real_label = config.real_label
        if real_label is None:
            real_label = 0.9 if self.uses_mlp() else 1.0
        self.loss = OneSidedSmoothing(self.loss, real_label)

    def build_networks(self) -> dict[str, nn.Module]:
        networks = super().build_networks()
        c = self.config
        points = self.uses_mlp()
        noise = (0.0 if points else 0.2) if c.input_noise is None else c.input_noise
        dropout = (0.0 if points else 0.5) if c.d_dropout is None else c.d_dropout
        if points:
            trunk = mlp_trunk(self.data.shape, c.hidden, c.depth, c.d_norm, dropout)
            features = c.hidden
        else:
            channels, size = self.data.shape[0], self.data.shape[-1]
            trunk = DCGANBody(size, channels, c.width, c.d_norm, dropout=dropout)
            features = trunk.features
        noisy_trunk = nn.Sequential(GaussianNoise(noise), trunk)
        networks["discriminator"] = MinibatchDiscriminator(
            noisy_trunk, features, c.kernels, c.kernel_dim
        )
        if c.historical_averaging:
            self.history = {
                name: HistoricalAverage(net).to(self.device) for name, net in networks.items()
            }
        return networks

    def generator_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        if not self.config.feature_matching:
            return self.loss.generator(self.discriminator(fake))
        trunk = self.networks["discriminator"]
        with torch.no_grad():
            target = trunk.features(real).mean(0)
        return (trunk.features(fake).mean(0) - target).square().sum()

    def with_history(self, name: str, loss: Tensor) -> Tensor:
        if not self.config.historical_averaging:
            return loss
        penalty = self.history[name].penalty(self.networks[name])
        return loss + self.config.historical_averaging * penalty

    def train_step(self, next_batch: NextBatch, step: int) -> dict[str, Tensor]:
        opt_g, opt_d = self.optimizers["generator"], self.optimizers["discriminator"]
        for k in range(self.config.d_steps):
            real = next_batch()["x"]
            with torch.set_grad_enabled(k == self.config.d_steps - 1):
                fake = self.generator(self.noise(len(real)))
            d_loss = self.discriminator_loss(real, self.pool.exchange(fake))
            opt_d.zero_grad(set_to_none=True)
            self.with_history("discriminator", d_loss).backward()
            opt_d.step()
        with self.runtime.frozen(self.networks["discriminator"]):
            g_loss = self.generator_loss(real, fake)
            opt_g.zero_grad(set_to_none=True)
            self.with_history("generator", g_loss).backward()
        opt_g.step()
        if self.config.historical_averaging:
            for name, average in self.history.items():
                average.update(self.networks[name])
        return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}

    def state_modules(self) -> dict[str, nn.Module]:
        history = getattr(self, "history", {})
        return super().state_modules() | {f"history.{k}": v for k, v in history.items()}


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_variants() -> list[type]:
    return [ImprovedGAN]
