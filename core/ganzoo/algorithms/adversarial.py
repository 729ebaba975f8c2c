"""Goodfellow et al.'s algorithm, the one most variants refine (LECTURES.md section 2):

    for each iteration:
        for k steps:  sample m real x and m noise z; ascend D's objective
        sample m noise z; descend G's loss (MMGAN or NSGAN, or a later paper's loss)

Real and fake minibatches have the same size. Optional: a replay pool of past fakes for D,
a gradient penalty (WGAN-GP's on interpolates, or R1's on real data). Networks: MLPs for
points, DCGAN convolutions for images.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import torch
from pydantic import Field
from torch import Tensor, nn

from ganzoo.contracts import DataKind, NextBatch, Variant, VariantConfig
from ganzoo.errors import ConfigError
from ganzoo.losses import adversarial_loss, gradient_penalty, r1_penalty
from ganzoo.nn.dcgan import DCGANDiscriminator, DCGANGenerator
from ganzoo.nn.mlp import MLPDiscriminator, MLPGenerator
from ganzoo.nn.norms import Norm
from ganzoo.nn.replay import ReplayPool
from ganzoo.schedule import LinearDecay

BASE_STEP_OPTIONS = ("gradient_penalty", "r1_penalty", "replay_size", "replay_swap")
"""Options that only this module's `train_step` applies; a subclass with a step of its own that
leaves them out names them in `unused_options`, so setting one is an error, not a no-op."""

LossName = Literal["non-saturating", "minimax", "wasserstein", "hinge", "least-squares"]


class AdversarialConfig(VariantConfig, LinearDecay):
    z_dim: int = Field(64, ge=1, description="latent (noise) dimension")
    loss: LossName = Field("non-saturating", description="GAN objective (NSGAN is the default)")
    d_steps: int = Field(1, ge=1, description="k: discriminator steps per generator step")
    lr_g: float = Field(2e-4, gt=0, description="generator learning rate (Adam)")
    lr_d: float = Field(2e-4, gt=0, description="discriminator learning rate (Adam)")
    betas: tuple[float, float] = Field((0.5, 0.999), description="Adam betas")
    gradient_penalty: float = Field(0.0, ge=0, description="WGAN-GP weight; 0 = off")
    r1_penalty: float = Field(
        0.0, ge=0, description="gamma of R1, (gamma/2)·||grad D||² on real data; 0 = off"
    )
    replay_size: int = Field(0, ge=0, description="past fakes kept for D; 0 = no replay")
    replay_swap: float = Field(
        0.5, ge=0, le=1, description="chance a fake is swapped for a past one"
    )
    image_size: int = Field(16, description="image side for image data (16, 32 or 64)")
    channels: int | None = Field(None, description="image channels; None = the data's own")
    width: int = Field(64, ge=4, description="DCGAN base channel width")
    d_norm: Norm = Field("batch", description="discriminator normalisation")
    hidden: int = Field(128, ge=1, description="MLP hidden units")
    depth: int = Field(3, ge=1, description="MLP hidden layers")


class AdversarialGAN(Variant):
    """The unconditional algorithm; subclasses pick the loss, schedule and normalisation."""

    Config: ClassVar[type[AdversarialConfig]] = AdversarialConfig
    data_kinds = (DataKind.POINTS, DataKind.IMAGES, DataKind.LABELLED_IMAGES)
    architecture: ClassVar[Literal["auto", "mlp", "dcgan"]] = "auto"
    unused_options: ClassVar[tuple[str, ...]] = ()  # keys a subclass's own step leaves out
    config: AdversarialConfig

    def __init__(self, config, data, runtime):
        fields = type(config).model_fields
        set_but_unused = [
            key for key in self.unused_options if getattr(config, key) != fields[key].default
        ]
        if set_but_unused:
            raise ConfigError(f"{self.id} does not use {', '.join(set_but_unused)}")
        super().__init__(config, data, runtime)
        self.loss = adversarial_loss(config.loss)
        self.pool = ReplayPool(config.replay_size, data.shape, config.replay_swap).to(self.device)

    def uses_mlp(self) -> bool:
        if self.architecture == "mlp":
            return True
        is_points = self.data.kind == DataKind.POINTS
        if self.architecture == "dcgan" and is_points:
            raise ConfigError(f"{self.id} uses convolutional networks and needs image data")
        return is_points

    def num_classes_for_networks(self) -> int:
        """Conditional subclasses give the generator a class embedding."""
        if not self.conditional:
            return 0
        if self.data.num_classes < 2:
            raise ConfigError(f"{self.id} needs labelled data with at least 2 classes")
        return self.data.num_classes

    def build_networks(self) -> dict[str, nn.Module]:
        c, classes = self.config, self.num_classes_for_networks()
        if self.uses_mlp():
            bounded = self.data.kind != DataKind.POINTS
            return {
                "generator": MLPGenerator(
                    c.z_dim, self.data.shape, c.hidden, c.depth, classes, bounded
                ),
                "discriminator": MLPDiscriminator(
                    self.data.shape,
                    c.hidden,
                    c.depth,
                    c.d_norm,
                    classes,
                ),
            }
        channels, size = self.data.shape[0], self.data.shape[-1]
        return {
            "generator": DCGANGenerator(c.z_dim, size, channels, c.width, classes),
            "discriminator": self.build_image_discriminator(size, channels),
        }

    def build_image_discriminator(self, size: int, channels: int) -> nn.Module:
        return DCGANDiscriminator(size, channels, self.config.width, self.config.d_norm)

    def build_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        c = self.config
        return {
            "generator": self.runtime.optimizer(
                self.networks["generator"].parameters(), lr=c.lr_g, betas=c.betas
            ),
            "discriminator": self.runtime.optimizer(
                self.networks["discriminator"].parameters(), lr=c.lr_d, betas=c.betas
            ),
        }

    def noise(self, n: int) -> Tensor:
        return self.runtime.noise(n, self.config.z_dim)

    def discriminator_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        loss = self.loss.discriminator(self.discriminator(real), self.discriminator(fake))
        if self.config.gradient_penalty:
            loss = loss + self.config.gradient_penalty * gradient_penalty(
                self.discriminator, real, fake
            )
        if self.config.r1_penalty:
            loss = loss + self.config.r1_penalty / 2 * r1_penalty(self.discriminator, real)
        return loss

    def train_step(self, next_batch: NextBatch, step: int) -> dict[str, Tensor]:
        opt_g, opt_d = self.optimizers["generator"], self.optimizers["discriminator"]
        for k in range(self.config.d_steps):
            real = next_batch()["x"]
            last = k == self.config.d_steps - 1
            with torch.set_grad_enabled(last):  # the last fakes also serve G's update
                fake = self.generator(self.noise(len(real)))
            d_loss = self.discriminator_loss(real, self.pool.exchange(fake))
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
        with self.runtime.frozen(self.networks["discriminator"]):
            g_loss = self.loss.generator(self.discriminator(fake))
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
        opt_g.step()
        return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}

    def graph_capturable(self) -> bool:
        return self.config.replay_size == 0  # the replay pool decides swaps on the host

    def generate(
        self, generator: nn.Module, n: int, labels: Tensor | None, rng: torch.Generator | None
    ) -> Tensor:
        if not self.conditional:
            if labels is not None:
                raise ConfigError(f"{self.id} is unconditional; it takes no labels")
            return generator(torch.randn(n, self.config.z_dim, device=self.device, generator=rng))
        K = self.data.num_classes
        if labels is None:
            labels = torch.randint(K, (n,), device=self.device, generator=rng)
        if len(labels) != n or labels.min() < 0 or labels.max() >= K:
            raise ConfigError(f"labels must be {n} class indices in 0..{K - 1}")
        z = torch.randn(n, self.config.z_dim, device=self.device, generator=rng)
        return generator(z, labels.to(self.device))

    def state_modules(self) -> dict[str, nn.Module]:
        return {"pool": self.pool}
