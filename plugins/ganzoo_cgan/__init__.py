"""`cgan` — Mirza & Osindero 2014, trained the way LECTURES.md section 5 teaches: D sees the
label and the image, and learns from matched real pairs (1), generated pairs (0) and real
images with a wrong label (0). Both discriminator designs: joint score, or split realism +
match heads."""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field
from torch import Tensor, nn

from ganzoo import PLUGIN_API_VERSION, hookimpl
from ganzoo.algorithms import matching
from ganzoo.algorithms.adversarial import BASE_STEP_OPTIONS, AdversarialConfig, AdversarialGAN
from ganzoo.contracts import DataKind, NextBatch
from ganzoo.nn.matching import MatchingDiscriminator


class CGANConfig(AdversarialConfig):
    design: Literal["joint", "split"] = Field("joint", description="discriminator design")
    mismatched: bool = Field(True, description="train D on real images with wrong labels")
    label_dim: int = Field(16, ge=1, description="size of D's label embedding")


class ConditionalDiscriminator(nn.Module):
    """Embeds the label, then scores (image, label) with the shared matching discriminator."""

    def __init__(self, classes: int, size: int, channels: int, config: CGANConfig):
        super().__init__()
        self.embed = nn.Embedding(classes, config.label_dim)
        self.match = MatchingDiscriminator(
            size, channels, config.label_dim, config.design, config.width, config.d_norm
        )

    def forward(self, x: Tensor, labels: Tensor) -> tuple[Tensor, Tensor | None]:
        return self.match(x, self.embed(labels))


class CGAN(AdversarialGAN):
    id = "cgan"
    Config = CGANConfig
    default_data = "digits"
    data_kinds = (DataKind.LABELLED_IMAGES,)
    architecture = "dcgan"
    conditional = True
    unused_options = BASE_STEP_OPTIONS
    config: CGANConfig

    def build_image_discriminator(self, size: int, channels: int) -> nn.Module:
        return ConditionalDiscriminator(self.data.num_classes, size, channels, self.config)

    def train_step(self, next_batch: NextBatch, step: int) -> dict[str, Tensor]:
        c, K = self.config, self.data.num_classes
        opt_g, opt_d = self.optimizers["generator"], self.optimizers["discriminator"]
        for k in range(c.d_steps):
            batch = next_batch()
            real, labels = batch["x"], batch["y"]
            n = len(real)
            wrong = matching.mismatched_labels(labels, K, self.runtime.randint(K, n))
            with torch.set_grad_enabled(k == c.d_steps - 1):  # the last fakes also serve G
                fake = self.generator(self.noise(n), labels)  # x~ = G(c, z) for the batch's c
            d_loss = matching.discriminator_loss(
                self.discriminator,
                self.loss,
                real,
                fake.detach(),
                labels,
                wrong if c.mismatched else None,
                c.design,
            )
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
        with self.runtime.frozen(self.networks["discriminator"]):
            g_loss = matching.generator_loss(self.discriminator, self.loss, fake, labels, c.design)
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
        opt_g.step()
        return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_variants() -> list[type]:
    return [CGAN]
