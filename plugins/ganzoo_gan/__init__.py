"""`gan` — Goodfellow et al., NIPS 2014: MLP generator and discriminator, k discriminator steps
per generator step, and both generator losses: MMGAN (minimax) and NSGAN (non-saturating)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ganzoo import PLUGIN_API_VERSION, hookimpl
from ganzoo.algorithms.adversarial import AdversarialConfig, AdversarialGAN


class GANConfig(AdversarialConfig):
    loss: Literal["non-saturating", "minimax"] = Field(
        "non-saturating", description="NSGAN: -log D(G(z)) (default); MMGAN: log(1 - D(G(z)))"
    )
    lr_g: float = Field(1e-4, gt=0, description="generator learning rate (Adam)")
    lr_d: float = Field(1e-4, gt=0, description="discriminator learning rate (Adam)")


class GAN(AdversarialGAN):
    id = "gan"
    Config = GANConfig
    default_data = "ring8"
    architecture = "mlp"


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_variants() -> list[type]:
    return [GAN]
