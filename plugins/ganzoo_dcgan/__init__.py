"""`dcgan` — Radford et al., ICLR 2016: all-convolutional G and D, batch norm, ReLU/LeakyReLU,
Adam with lr 2e-4 and beta1 0.5, weights from N(0, 0.02), 100-d noise."""

from __future__ import annotations

from pydantic import Field

from ganzoo import PLUGIN_API_VERSION, hookimpl
from ganzoo.algorithms.adversarial import AdversarialConfig, AdversarialGAN
from ganzoo.contracts import DataKind


class DCGANConfig(AdversarialConfig):
    z_dim: int = Field(100, ge=1, description="latent dimension (the paper's 100)")


class DCGAN(AdversarialGAN):
    id = "dcgan"
    Config = DCGANConfig
    default_data = "digits"
    architecture = "dcgan"
    data_kinds = (DataKind.IMAGES, DataKind.LABELLED_IMAGES)


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_variants() -> list[type]:
    return [DCGAN]
