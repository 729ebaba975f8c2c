"""`wgan-gp` — Gulrajani et al., NeurIPS 2017: a Wasserstein critic kept 1-Lipschitz by a
gradient penalty (lambda 10) on interpolates, 5 critic steps per generator step, Adam(1e-4,
beta 0, 0.9), and no batch norm in the critic (the penalty is per sample)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ganzoo import PLUGIN_API_VERSION, hookimpl
from ganzoo.algorithms.adversarial import AdversarialConfig, AdversarialGAN


class WGANGPConfig(AdversarialConfig):
    loss: Literal["wasserstein"] = "wasserstein"
    gradient_penalty: float = Field(10.0, gt=0, description="lambda of the gradient penalty")
    d_steps: int = Field(5, ge=1, description="critic steps per generator step")
    lr_g: float = Field(1e-4, gt=0)
    lr_d: float = Field(1e-4, gt=0)
    betas: tuple[float, float] = (0.0, 0.9)
    d_norm: Literal["layer", "none"] = Field("layer", description="no batch norm in the critic")


class WGANGP(AdversarialGAN):
    id = "wgan-gp"
    Config = WGANGPConfig
    default_data = "digits"


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_variants() -> list[type]:
    return [WGANGP]
