"""`sngan` — Miyato et al., ICLR 2018: spectral normalisation of every discriminator layer
(a 1-Lipschitz constraint without a penalty) with the hinge loss."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ganzoo import PLUGIN_API_VERSION, hookimpl
from ganzoo.algorithms.adversarial import AdversarialConfig, AdversarialGAN


class SNGANConfig(AdversarialConfig):
    loss: Literal["hinge", "non-saturating"] = Field("hinge", description="the paper's hinge")
    d_norm: Literal["spectral"] = "spectral"


class SNGAN(AdversarialGAN):
    id = "sngan"
    Config = SNGANConfig
    default_data = "digits"


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_variants() -> list[type]:
    return [SNGAN]
