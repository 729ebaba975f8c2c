"""DCGAN networks (Radford et al. 2016) for 16, 32 and 64 px: strided convolutions, batch norm
in G, LeakyReLU in D, no pooling, no fully connected hidden layers."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ganzoo.errors import ConfigError
from ganzoo.nn.layout import Flatten, Unflatten
from ganzoo.nn.norms import Norm, feature_norm, weight_norm_wrap

SIZES = (16, 32, 64)


def _levels(image_size: int) -> int:
    if image_size not in SIZES:
        raise ConfigError(f"DCGAN networks support image_size {SIZES}, not {image_size}")
    return int(math.log2(image_size // 4))


def init_dcgan_weights(module: nn.Module) -> None:
    """N(0, 0.02) for convolutions, N(1, 0.02) for batch-norm scales (the paper's init)."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class DCGANGenerator(nn.Module):
    """z (and an optional class, embedded and concatenated) -> image in [-1, 1]."""

    def __init__(
        self, z_dim: int, image_size: int, channels: int, width: int = 64, num_classes: int = 0
    ):
        super().__init__()
        levels = _levels(image_size)
        top = width * 2 ** (levels - 1)
        self.top = top
        self.embed = nn.Embedding(num_classes, z_dim) if num_classes else None
        inputs = z_dim * (2 if num_classes else 1)
        self.project = nn.Sequential(
            nn.Linear(inputs, top * 16, bias=False),
            Unflatten((top, 4, 4)),
            nn.BatchNorm2d(top),
            nn.ReLU(True),
        )
        blocks: list[nn.Module] = []
        channels_in = top
        for _ in range(levels - 1):
            blocks += [
                nn.ConvTranspose2d(channels_in, channels_in // 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(channels_in // 2),
                nn.ReLU(True),
            ]
            channels_in //= 2
        blocks += [nn.ConvTranspose2d(channels_in, channels, 4, 2, 1), nn.Tanh()]
        self.blocks = nn.Sequential(*blocks)
        self.apply(init_dcgan_weights)

    def forward(self, z: Tensor, condition: Tensor | None = None) -> Tensor:
        if self.embed is not None:
            z = torch.cat([z, self.embed(condition)], dim=1)
        return self.blocks(self.project(z))


class DCGANBody(nn.Module):
    """The discriminator's convolutional trunk: image -> flat features (heads are separate so
    conditional, auxiliary-classifier and minibatch-discrimination variants can add theirs)."""

    def __init__(
        self,
        image_size: int,
        channels: int,
        width: int = 64,
        norm: Norm = "batch",
        extra_channels: int = 0,
        dropout: float = 0.0,
    ):
        super().__init__()
        levels = _levels(image_size)
        layers: list[nn.Module] = []
        channels_in = channels + extra_channels
        for level in range(levels):
            channels_out = width * 2**level
            layers.append(weight_norm_wrap(nn.Conv2d(channels_in, channels_out, 4, 2, 1), norm))
            if level > 0:
                layers.append(feature_norm(norm, channels_out))
            layers.append(nn.LeakyReLU(0.2, True))
            if dropout:
                layers.append(nn.Dropout(dropout))
            channels_in = channels_out
        self.layers = nn.Sequential(*layers, Flatten())
        self.features = channels_in * 16
        self.apply(init_dcgan_weights)

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x)

    def maps(self, x: Tensor) -> Tensor:
        """The last 4×4 feature map, before flattening (for heads that fuse a condition)."""
        return self.layers[:-1](x)


class DCGANDiscriminator(nn.Module):
    """Trunk plus one linear score."""

    def __init__(self, image_size: int, channels: int, width: int = 64, norm: Norm = "batch"):
        super().__init__()
        self.body = DCGANBody(image_size, channels, width, norm)
        self.head = weight_norm_wrap(nn.Linear(self.body.features, 1), norm)

    def forward(self, x: Tensor, condition: Tensor | None = None) -> Tensor:
        del condition
        return self.head(self.body(x)).squeeze(1)
