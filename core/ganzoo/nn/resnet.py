"""The ResNet generator of CycleGAN (after Johnson et al. 2016): two stride-2 convolutions down,
residual blocks at a quarter of the resolution, two transposed convolutions up; reflection
padding keeps borders free of artefacts."""

from __future__ import annotations

from torch import Tensor, nn

from ganzoo.nn.norms import Norm, feature_norm


class ResidualBlock(nn.Module):
    def __init__(self, channels: int, norm: Norm):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3, bias=False),
            feature_norm(norm, channels),
            nn.ReLU(True),
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3, bias=False),
            feature_norm(norm, channels),
        )

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


class ResNetGenerator(nn.Module):
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        width: int = 64,
        blocks: int = 6,
        norm: Norm = "instance",
    ):
        super().__init__()
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(in_channels, width, 7, bias=False),
            feature_norm(norm, width),
            nn.ReLU(True),
        ]
        for scale in (1, 2):
            layers += [
                nn.Conv2d(width * scale, width * scale * 2, 3, 2, 1, bias=False),
                feature_norm(norm, width * scale * 2),
                nn.ReLU(True),
            ]
        layers += [ResidualBlock(width * 4, norm) for _ in range(blocks)]
        for scale in (4, 2):
            layers += [
                nn.ConvTranspose2d(width * scale, width * scale // 2, 3, 2, 1, 1, bias=False),
                feature_norm(norm, width * scale // 2),
                nn.ReLU(True),
            ]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(width, out_channels, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)
