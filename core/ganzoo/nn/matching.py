"""The conditional ("matching-aware") discriminator of LECTURES.md section 5, in both designs:

- joint: one network scores the pair (x, c); the condition enters either as extra input
  channels (`fusion="input"`) or, as in StackGAN's discriminators, replicated over the trunk's
  last 4×4 feature map, followed by a 1×1 and a 4×4 convolution (`fusion="features"`): the
  image features are computed without the condition and the match is judged from them;
- split: one head scores realism from x alone, another scores the match of x and c
  (a projection of the condition onto x's features), so D knows which negative it sees.

The condition is a vector: a class embedding (cgan) or a text embedding (stackgan).
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor, nn

from ganzoo.nn.dcgan import DCGANBody
from ganzoo.nn.norms import Norm, feature_norm, weight_norm_wrap

Design = Literal["joint", "split"]
Fusion = Literal["input", "features"]


def condition_planes(condition: Tensor, like: Tensor) -> Tensor:
    """An N×d condition as d constant planes of `like`'s height, width and dtype, ready to be
    concatenated to it along the channels."""
    planes = condition[:, :, None, None].expand(-1, -1, *like.shape[-2:])
    return planes.to(like.dtype)


class MatchingDiscriminator(nn.Module):
    def __init__(
        self,
        image_size: int,
        channels: int,
        condition_dim: int,
        design: Design,
        width: int = 64,
        norm: Norm = "batch",
        fusion: Fusion = "input",
    ):
        super().__init__()
        self.design = design
        self.late = design == "joint" and fusion == "features"
        extra = condition_dim if design == "joint" and not self.late else 0
        self.body = DCGANBody(image_size, channels, width, norm, extra_channels=extra)
        if self.late:
            maps = self.body.features // 16
            self.score = nn.Sequential(
                weight_norm_wrap(nn.Conv2d(maps + condition_dim, maps, 1), norm),
                feature_norm(norm, maps),
                nn.LeakyReLU(0.2, True),
                weight_norm_wrap(nn.Conv2d(maps, 1, 4), norm),
                nn.Flatten(0),
            )
        else:
            self.score = weight_norm_wrap(nn.Linear(self.body.features, 1), norm)
        self.project = (
            weight_norm_wrap(nn.Linear(condition_dim, self.body.features), norm)
            if design == "split"
            else None
        )

    def forward(self, x: Tensor, condition: Tensor) -> tuple[Tensor, Tensor | None]:
        """(score, match): joint gives the pair's score and None; split gives realism, match."""
        if self.late:
            maps = self.body.maps(x)
            return self.score(torch.cat([maps, condition_planes(condition, maps)], dim=1)), None
        if self.design == "joint":
            features = self.body(torch.cat([x, condition_planes(condition, x)], dim=1))
            return self.score(features).squeeze(1), None
        features = self.body(x)
        match = (features * self.project(condition)).sum(dim=1) / features.shape[1] ** 0.5
        return self.score(features).squeeze(1), match
