"""Normalisation choices for discriminators, wired in one place."""

from __future__ import annotations

from typing import Literal

from torch import nn
from torch.nn.utils.parametrizations import spectral_norm, weight_norm

Norm = Literal["batch", "instance", "layer", "spectral", "weight", "none"]


def weight_norm_wrap(layer: nn.Module, norm: Norm) -> nn.Module:
    """Spectral norm constrains the layer's weights (SNGAN); weight norm reparametrises them
    as g v / ||v|| (Salimans & Kingma 2016, the Improved GAN code's discriminators); other
    choices leave them."""
    if norm == "spectral":
        return spectral_norm(layer)
    return weight_norm(layer) if norm == "weight" else layer


def feature_norm(norm: Norm, channels: int) -> nn.Module:
    """Batch norm (DCGAN, pix2pix), instance norm (CycleGAN) or a per-sample norm
    (GroupNorm(1) = layer norm, WGAN-GP safe). Instance norm is GroupNorm with a group per
    channel, the same statistics as InstanceNorm2d without running averages or affine terms;
    it keeps channels-last activations channels-last, which InstanceNorm2d does not on CPU
    (every layer after it then ran its backward on mixed layouts)."""
    if norm == "batch":
        return nn.BatchNorm2d(channels)
    if norm == "instance":
        return nn.GroupNorm(channels, channels, affine=False)
    if norm == "layer":
        return nn.GroupNorm(1, channels)
    return nn.Identity()
