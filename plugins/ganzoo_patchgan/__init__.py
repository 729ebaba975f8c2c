"""`patchgan` (pix2pix) — Isola et al., CVPR 2017: a conditional GAN on paired images.

    D judges patches of (input, output) pairs: real (a, b) -> 1, generated (a, G(a)) -> 0
    G minimises the adversarial loss + lambda * ||b - G(a)||_1        (lambda = 100)

L1 alone is blurry and a GAN alone invents details; together the GAN only has to get the
high frequencies right, which is what a patch discriminator can judge. `l1_weight=0` gives the
cGAN alone, `adversarial=false` L1 alone; `d_layers` sets the patch size.
"""

from __future__ import annotations

from typing import ClassVar

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import Tensor, nn

from ganzoo import PLUGIN_API_VERSION, hookimpl
from ganzoo.algorithms.translation import Translator, TranslatorConfig
from ganzoo.contracts import DataKind, NextBatch
from ganzoo.losses import NonSaturating
from ganzoo.nn.norms import Norm
from ganzoo.nn.patchgan import PatchDiscriminator
from ganzoo.nn.unet import UNetGenerator


class Pix2PixConfig(TranslatorConfig):
    image_size: int = Field(32, description="image side (a power of two)")
    channels: int | None = Field(None, description="output channels; None = the data's own")
    width: int = Field(64, ge=4, description="base channel width of G and D")
    d_layers: int = Field(
        3, ge=0, le=5, description="PatchGAN depth: 0 = 1 px (PixelGAN), 1 = 16, 2 = 34, 3 = 70"
    )
    l1_weight: float = Field(100.0, ge=0, description="lambda of the L1 term; 0 = cGAN alone")
    adversarial: bool = Field(True, description="false = L1 alone (no discriminator updates)")
    norm: Norm = Field("batch", description="normalisation in G and D")
    dropout: float = Field(0.5, ge=0, lt=1, description="dropout in the U-Net's inner decoder")
    lr: float = Field(2e-4, gt=0, description="Adam learning rate, both networks")
    betas: tuple[float, float] = Field((0.5, 0.999), description="Adam betas")


class Pix2Pix(Translator):
    id = "patchgan"
    Config: ClassVar[type[Pix2PixConfig]] = Pix2PixConfig
    quick_settings: ClassVar[dict] = {"width": 16}
    data_kinds = (DataKind.PAIRED_IMAGES,)
    default_data = "digits-edges"
    config: Pix2PixConfig

    def build_networks(self) -> dict[str, nn.Module]:
        c = self.config
        in_channels = self.input_shape("AtoB")[0]
        out_channels, size = self.data.shape[0], self.data.shape[-1]
        return {
            "generator": UNetGenerator(in_channels, out_channels, size, c.width, c.norm, c.dropout),
            "discriminator": PatchDiscriminator(
                in_channels + out_channels, c.d_layers, c.width, c.norm, size
            ),
        }

    def build_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        c = self.config
        return {
            name: self.runtime.optimizer(net.parameters(), lr=c.lr, betas=c.betas)
            for name, net in self.networks.items()
        }

    def train_step(self, next_batch: NextBatch, step: int) -> dict[str, Tensor]:
        c, gan = self.config, NonSaturating()
        batch = next_batch()
        a, b = self.augmented(batch["a"], batch["b"])
        fake = self.generator(a)
        losses = {}
        if c.adversarial:
            d_loss = 0.5 * gan.discriminator(
                self.discriminator(b, condition=a), self.discriminator(fake.detach(), condition=a)
            )
            self.optimizers["discriminator"].zero_grad(set_to_none=True)
            d_loss.backward()
            self.optimizers["discriminator"].step()
            losses["d_loss"] = d_loss.detach()
        with self.runtime.frozen(self.networks["discriminator"]):
            l1 = F.l1_loss(fake, b)
            g_loss = c.l1_weight * l1
            if c.adversarial:
                g_loss = g_loss + gan.generator(self.discriminator(fake, condition=a))
            self.optimizers["generator"].zero_grad(set_to_none=True)
            g_loss.backward()
        self.optimizers["generator"].step()
        return losses | {"g_loss": g_loss.detach(), "l1": l1.detach()}


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_variants() -> list[type]:
    return [Pix2Pix]
