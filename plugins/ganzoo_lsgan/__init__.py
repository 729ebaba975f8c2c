"""`lsgan` — Mao et al., ICCV 2017: least-squares losses instead of the log loss (0-1 coding),
which keeps penalising fakes on the right side of the boundary but far from the data."""

from __future__ import annotations

from typing import Literal

from ganzoo import PLUGIN_API_VERSION, hookimpl
from ganzoo.algorithms.adversarial import AdversarialConfig, AdversarialGAN


class LSGANConfig(AdversarialConfig):
    loss: Literal["least-squares"] = "least-squares"


class LSGAN(AdversarialGAN):
    id = "lsgan"
    Config = LSGANConfig
    default_data = "digits"


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_variants() -> list[type]:
    return [LSGAN]
