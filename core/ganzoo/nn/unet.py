"""The U-Net generator of pix2pix: an encoder down to 1×1 and a decoder back, with a skip
connection from every encoder level to its decoder twin, so low-level structure (edges,
positions) passes straight through. Dropout in the innermost decoder blocks is its noise.

`levels` stops the encoder earlier (pix2pix's code calls it num_downs): a bottleneck of several
pixels has no single code for the whole image, so the network cannot easily move content
across it (a mirror image, a different digit), which CycleGAN's cycle loss alone allows."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ganzoo.errors import ConfigError
from ganzoo.nn.norms import Norm, feature_norm


class UNetGenerator(nn.Module):
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        image_size: int,
        width: int = 64,
        norm: Norm = "batch",
        dropout: float = 0.5,
        levels: int | None = None,
    ):
        super().__init__()
        full = int(math.log2(image_size))
        if 2**full != image_size or full < 2:
            raise ConfigError(f"the U-Net needs a power-of-two image size, not {image_size}")
        levels = full if levels is None else levels
        if not 2 <= levels <= full:
            raise ConfigError(f"a {image_size}-px U-Net has 2 to {full} levels, not {levels}")
        channels = [width * min(2**i, 8) for i in range(levels)]
        self.down = nn.ModuleList()
        for i in range(levels):
            c_in = in_channels if i == 0 else channels[i - 1]
            block: list[nn.Module] = [] if i == 0 else [nn.LeakyReLU(0.2, True)]
            block.append(nn.Conv2d(c_in, channels[i], 4, 2, 1, bias=False))
            if 0 < i < levels - 1:  # no norm on the first level or on the bottleneck
                block.append(feature_norm(norm, channels[i]))
            self.down.append(nn.Sequential(*block))
        self.up = nn.ModuleList()
        for i in range(levels):
            c_in = channels[i] * (1 if i == levels - 1 else 2)
            if i == 0:
                block = [nn.ReLU(True), nn.ConvTranspose2d(c_in, out_channels, 4, 2, 1), nn.Tanh()]
            else:
                block = [
                    nn.ReLU(True),
                    nn.ConvTranspose2d(c_in, channels[i - 1], 4, 2, 1, bias=False),
                    feature_norm(norm, channels[i - 1]),
                ]
                if dropout and i >= levels - 3:
                    block.append(nn.Dropout(dropout))
            self.up.append(nn.Sequential(*block))

    def forward(self, x: Tensor) -> Tensor:
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
        x = self.up[-1](skips[-1])
        for i in range(len(self.up) - 2, -1, -1):
            x = self.up[i](torch.cat([x, skips[i]], dim=1))
        return x
