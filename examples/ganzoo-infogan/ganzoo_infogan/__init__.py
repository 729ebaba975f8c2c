"""`infogan` — Chen et al., NeurIPS 2016: part of the generator's input is a structured code c
(here one categorical code); an auxiliary head Q on the discriminator's body predicts c from
G(z, c), and both G and Q maximise that mutual-information lower bound (a cross-entropy)
beside the usual adversarial game, so the code learns a disentangled factor (the digit)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import Tensor, nn

from ganzoo import PLUGIN_API_VERSION, hookimpl
from ganzoo.contracts import DataKind, Variant, VariantConfig
from ganzoo.losses import adversarial_loss
from ganzoo.nn.dcgan import DCGANBody, DCGANGenerator


class InfoGANConfig(VariantConfig):
    z_dim: int = Field(62, ge=1, description="incompressible noise (the paper's 62 for MNIST)")
    categories: int = Field(10, ge=2, description="values of the categorical code")
    info_weight: float = Field(1.0, ge=0, description="lambda of the mutual-information term")
    image_size: int = Field(16, description="16, 32 or 64")
    width: int = Field(64, ge=4, description="DCGAN base width")
    lr_g: float = Field(1e-3, gt=0, description="generator and Q learning rate (the paper's)")
    lr_d: float = Field(2e-4, gt=0, description="discriminator learning rate (the paper's)")


class Discriminator(nn.Module):
    """Shared body; a realism score and Q's code logits."""

    def __init__(self, size: int, channels: int, width: int, categories: int):
        super().__init__()
        self.body = DCGANBody(size, channels, width)
        self.score = nn.Linear(self.body.features, 1)
        self.q = nn.Sequential(
            nn.Linear(self.body.features, 128), nn.LeakyReLU(0.2), nn.Linear(128, categories)
        )

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        h = self.body(x)
        return self.score(h).squeeze(1), self.q(h)


class InfoGAN(Variant):
    id = "infogan"
    Config = InfoGANConfig
    data_kinds = (DataKind.IMAGES, DataKind.LABELLED_IMAGES)
    default_data = "digits"
    config: InfoGANConfig

    def build_networks(self) -> dict[str, nn.Module]:
        c, (channels, size) = self.config, (self.data.shape[0], self.data.shape[-1])
        return {
            "generator": DCGANGenerator(c.z_dim + c.categories, size, channels, c.width),
            "discriminator": Discriminator(size, channels, c.width, c.categories),
        }

    def build_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        d = self.networks["discriminator"]
        body_and_score = [*d.body.parameters(), *d.score.parameters()]
        generator_and_q = [*self.networks["generator"].parameters(), *d.q.parameters()]
        return {
            "discriminator": self.runtime.optimizer(
                body_and_score, lr=self.config.lr_d, betas=(0.5, 0.999)
            ),
            "generator": self.runtime.optimizer(
                generator_and_q, lr=self.config.lr_g, betas=(0.5, 0.999)
            ),
        }

    def latent(self, codes: Tensor, noise: Tensor) -> Tensor:
        return torch.cat([noise, F.one_hot(codes, self.config.categories).to(noise.dtype)], 1)

    def train_step(self, next_batch, step):
        loss, c = adversarial_loss("non-saturating"), self.config
        real = next_batch()["x"]
        n = len(real)
        codes = self.runtime.randint(c.categories, n)
        fake = self.generator(self.latent(codes, self.runtime.noise(n, c.z_dim)))
        d_loss = loss.discriminator(
            self.discriminator(real)[0], self.discriminator(fake.detach())[0]
        )
        self.optimizers["discriminator"].zero_grad(set_to_none=True)
        d_loss.backward()
        self.optimizers["discriminator"].step()
        score, code_logits = self.discriminator(fake)
        info_loss = F.cross_entropy(code_logits, codes)
        g_loss = loss.generator(score) + c.info_weight * info_loss
        self.optimizers["generator"].zero_grad(set_to_none=True)
        g_loss.backward()
        self.optimizers["generator"].step()
        return {
            "d_loss": d_loss.detach(),
            "g_loss": g_loss.detach(),
            "info_loss": info_loss.detach(),
        }

    def generate(self, generator, n, labels, rng):
        codes = torch.randint(self.config.categories, (n,), device=self.device, generator=rng)
        noise = torch.randn(n, self.config.z_dim, device=self.device, generator=rng)
        return generator(self.latent(codes, noise))


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_variants() -> list[type]:
    return [InfoGAN]
