"""The PatchGAN discriminator (Isola et al. 2017): a fully convolutional net whose every output
judges one patch of the input; its depth sets the patch (receptive field) size.

    layers = 0: 1×1 convolutions, each output sees one pixel (PixelGAN)
    layers = 1, 2, 3, 4, 5: 16, 34, 70, 142, 286 px patches (70 is pix2pix's default)

A patch at least as large as the image is an ImageGAN. Conditional use (pix2pix) concatenates
the input image to the judged image along channels.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ganzoo.errors import ConfigError
from ganzoo.nn.norms import Norm, feature_norm, weight_norm_wrap


def receptive_field(network: nn.Module) -> int:
    """The side of the input patch one output sees, from the convolutions' kernels and strides
    (in order; padding does not change it)."""
    field, jump = 1, 1
    for module in network.modules():
        if isinstance(module, nn.Conv2d):
            kernel, stride = module.kernel_size[0], module.stride[0]
            field += (kernel - 1) * module.dilation[0] * jump
            jump *= stride
    return field


def output_side(image_size: int, layers: int) -> int:
    if layers == 0:
        return image_size
    side = image_size
    for _ in range(layers):
        side //= 2
    return side - 2  # two stride-1 kernel-4 convolutions with padding 1


class PatchDiscriminator(nn.Module):
    def __init__(
        self,
        in_channels: int,
        layers: int = 3,
        width: int = 64,
        norm: Norm = "batch",
        image_size: int | None = None,
    ):
        super().__init__()
        if image_size is not None and layers and output_side(image_size, layers) < 1:
            raise ConfigError(
                f"a {layers}-layer PatchGAN needs images of at least {2 ** (layers + 1)} px, "
                f"not {image_size}"
            )

        def conv(c_in, c_out, kernel, stride, padding):
            return weight_norm_wrap(nn.Conv2d(c_in, c_out, kernel, stride, padding), norm)

        if layers == 0:
            blocks = [
                conv(in_channels, width, 1, 1, 0),
                nn.LeakyReLU(0.2, True),
                conv(width, 2 * width, 1, 1, 0),
                feature_norm(norm, 2 * width),
                nn.LeakyReLU(0.2, True),
                conv(2 * width, 1, 1, 1, 0),
            ]
        else:
            blocks = [conv(in_channels, width, 4, 2, 1), nn.LeakyReLU(0.2, True)]
            channels = width
            for level in range(1, layers + 1):
                out = width * min(2**level, 8)
                stride = 2 if level < layers else 1
                blocks += [
                    conv(channels, out, 4, stride, 1),
                    feature_norm(norm, out),
                    nn.LeakyReLU(0.2, True),
                ]
                channels = out
            blocks.append(conv(channels, 1, 4, 1, 1))
        self.layers = layers
        self.net = nn.Sequential(*blocks)
        self.patch = receptive_field(self.net)

    def forward(self, x: Tensor, condition: Tensor | None = None) -> Tensor:
        """A map of patch scores (logits), N×1×H'×W'."""
        if condition is not None:
            x = torch.cat([condition, x], dim=1)
        return self.net(x)
