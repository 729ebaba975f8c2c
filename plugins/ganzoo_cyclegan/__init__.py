"""`cyclegan` — Zhu et al., ICCV 2017: unpaired translation between domains A and B.

G: A -> B and F: B -> A (ResNet generators, or U-Nets as the paper's code offers); D_A and D_B
(70-px PatchGANs)
G and F minimise  LSGAN(D_B(G(a))) + LSGAN(D_A(F(b)))
                  + lambda (|F(G(a)) - a|_1 + |G(F(b)) - b|_1)        (cycle, lambda = 10)
                  + mu lambda (|G(b) - b|_1 + |F(a) - a|_1)            (identity, option)
D_A, D_B minimise the LSGAN loss on real images vs fakes from a pool of 50 past fakes
learning rate constant, then decaying linearly to 0 over the last `decay` share of the run
"""

from __future__ import annotations

import itertools
from typing import ClassVar, Literal

import torch
import torch.nn.functional as F
from pydantic import Field, model_validator
from torch import Tensor, nn

from ganzoo import PLUGIN_API_VERSION, hookimpl
from ganzoo.algorithms.translation import Translator, TranslatorConfig
from ganzoo.contracts import DataKind, NextBatch
from ganzoo.losses import LeastSquares
from ganzoo.nn.norms import Norm
from ganzoo.nn.patchgan import PatchDiscriminator
from ganzoo.nn.replay import ReplayPool
from ganzoo.nn.resnet import ResNetGenerator
from ganzoo.nn.unet import UNetGenerator
from ganzoo.schedule import LinearDecay


class CycleGANConfig(TranslatorConfig, LinearDecay):
    image_size: int = Field(32, description="image side")
    channels: int | None = Field(None, description="image channels; None = the data's own")
    width: int = Field(64, ge=4, description="base channel width of the generators and critics")
    generator: Literal["resnet", "unet"] = Field(
        "resnet",
        description="resnet: the paper's; unet: pix2pix's encoder-decoder with skips, no dropout",
    )
    unet_levels: int | None = Field(
        None,
        ge=2,
        description="U-Net only: down-sampling levels (None: down to 1×1; 3 stops at 4×4 on "
        "32 px, so no code sees the whole image)",
    )
    res_blocks: int = Field(6, ge=0, description="residual blocks per generator (6 up to 128 px)")
    d_layers: int = Field(3, ge=0, le=5, description="PatchGAN depth (3 = 70 px patches)")
    cycle_weight: float = Field(10.0, ge=0, description="lambda of the cycle-consistency loss")
    identity_weight: float = Field(
        0.0,
        ge=0,
        description="mu: identity loss weight, times lambda; the paper adds it (0.5) for "
        "painting -> photo only. Off by default: on digits-styles, where B is A inverted, it "
        "made CycleGAN turn digits into other digits (BENCHMARKS.md)",
    )
    pool_size: int = Field(50, ge=0, description="past fakes shown to each discriminator")
    norm: Norm = Field("instance", description="normalisation in generators and critics")
    lr: float = Field(2e-4, gt=0, description="Adam learning rate at the start")
    betas: tuple[float, float] = Field((0.5, 0.999), description="Adam betas")
    decay_start: int | None = Field(1000, ge=0, description="step after which the rate decays")

    @model_validator(mode="after")
    def _levels_need_a_unet(self) -> CycleGANConfig:
        if self.unet_levels is not None and self.generator != "unet":
            raise ValueError("unet_levels needs generator=unet")
        return self


class CycleGAN(Translator):
    id = "cyclegan"
    Config: ClassVar[type[CycleGANConfig]] = CycleGANConfig
    quick_settings: ClassVar[dict] = {"width": 16, "res_blocks": 1}
    data_kinds = (DataKind.UNPAIRED_IMAGES,)
    default_data = "digits-styles"
    sample_network = "generator_ab"
    directions = ("AtoB", "BtoA")
    config: CycleGANConfig

    def __init__(self, config, data, runtime):
        super().__init__(config, data, runtime)
        self.pools = {
            side: ReplayPool(config.pool_size, data.shape).to(self.device) for side in "ab"
        }

    def build_networks(self) -> dict[str, nn.Module]:
        c = self.config
        channels, size = self.data.shape[0], self.data.shape[-1]

        def generator():
            if c.generator == "unet":
                return UNetGenerator(
                    channels, channels, size, c.width, c.norm, dropout=0.0, levels=c.unet_levels
                )
            return ResNetGenerator(channels, channels, c.width, c.res_blocks, c.norm)

        def critic():
            return PatchDiscriminator(channels, c.d_layers, c.width, c.norm, size)

        return {
            "generator_ab": generator(),
            "generator_ba": generator(),
            "discriminator_a": critic(),
            "discriminator_b": critic(),
        }

    def build_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        c, nets = self.config, self.networks

        def adam(*names):
            params = itertools.chain(*(nets[n].parameters() for n in names))
            return self.runtime.optimizer(list(params), lr=c.lr, betas=c.betas)

        return {
            "generators": adam("generator_ab", "generator_ba"),
            "discriminators": adam("discriminator_a", "discriminator_b"),
        }

    def train_step(self, next_batch: NextBatch, step: int) -> dict[str, Tensor]:
        c, gan = self.config, LeastSquares()
        batch = next_batch()
        (a,), (b,) = self.augmented(batch["a"]), self.augmented(batch["b"])
        critics = [self.networks["discriminator_a"], self.networks["discriminator_b"]]
        with self.runtime.frozen(critics[0]), self.runtime.frozen(critics[1]):
            fake_b, fake_a = self.generator_ab(a), self.generator_ba(b)
            adversarial = gan.generator(self.discriminator_b(fake_b)) + gan.generator(
                self.discriminator_a(fake_a)
            )
            cycle = F.l1_loss(self.generator_ba(fake_b), a) + F.l1_loss(
                self.generator_ab(fake_a), b
            )
            g_loss = adversarial + c.cycle_weight * cycle
            if c.identity_weight:
                identity = F.l1_loss(self.generator_ab(b), b) + F.l1_loss(self.generator_ba(a), a)
                g_loss = g_loss + c.cycle_weight * c.identity_weight * identity
            self.optimizers["generators"].zero_grad(set_to_none=True)
            g_loss.backward()
        self.optimizers["generators"].step()
        d_loss = 0.5 * (
            gan.discriminator(
                self.discriminator_a(a), self.discriminator_a(self.pools["a"].exchange(fake_a))
            )
            + gan.discriminator(
                self.discriminator_b(b), self.discriminator_b(self.pools["b"].exchange(fake_b))
            )
        )
        self.optimizers["discriminators"].zero_grad(set_to_none=True)
        d_loss.backward()
        self.optimizers["discriminators"].step()
        losses = {"d_loss": d_loss.detach(), "g_loss": g_loss.detach(), "cycle": cycle.detach()}
        if c.identity_weight:
            losses["identity"] = identity.detach()
        return losses

    def state_modules(self) -> dict[str, nn.Module]:
        return {f"pool_{side}": pool for side, pool in self.pools.items()}


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_variants() -> list[type]:
    return [CycleGAN]
