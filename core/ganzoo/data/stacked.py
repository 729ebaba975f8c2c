"""Stacked digits: three bundled digits as the three colour channels of one image, so 1,000
modes (Metz et al.'s stacked MNIST, made from scikit-learn's digits). A generator that covers
every mode must produce every triple; a classifier on each channel counts them."""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import Tensor

from ganzoo.contracts import DataInfo, DataKind, DataRequest, DatasetProvider, TensorData
from ganzoo.data.common import choose_kind, fixed_split, parse_options, resize_images
from ganzoo.data.digits import TEST_FRACTION, digit_images
from ganzoo.errors import DataError
from ganzoo.hookspecs import PLUGIN_API_VERSION, hookimpl

MODES = 1000


def stack(images: Tensor, labels: Tensor, n: int, generator: torch.Generator) -> dict:
    """n random triples of `images` (N×1×H×W) as N×3×H×W, labelled 100·a + 10·b + c."""
    picks = torch.randint(len(images), (n, 3), generator=generator)
    stacked = images[picks].squeeze(2)
    return {"x": stacked, "y": triple_labels(labels[picks])}


def triple_labels(channel_labels: Tensor) -> Tensor:
    """N×3 per-channel digits -> the mode index 100·a + 10·b + c."""
    return channel_labels[:, 0] * 100 + channel_labels[:, 1] * 10 + channel_labels[:, 2]


class StackedDigits(DatasetProvider):
    id = "stacked-digits"
    description = "three digits as the RGB channels of one image: 1,000 modes (stacked MNIST)"
    kinds = (DataKind.LABELLED_IMAGES, DataKind.IMAGES)
    defaults: ClassVar[dict[str, int]] = {"n": 20000}

    def load(self, request: DataRequest) -> TensorData:
        kind = choose_kind(self.id, self.kinds, request)
        options = parse_options(self.id, request.argument, self.defaults)
        if request.channels not in (None, 3):
            raise DataError(f"{self.id} images have 3 channels, not {request.channels}")
        if options["n"] < 1:
            raise DataError(f"{self.id}: n must be at least 1")
        images, labels = digit_images()
        images = resize_images(images, request.image_size or 16)
        train, test = fixed_split(len(images), TEST_FRACTION)
        generator = torch.Generator().manual_seed(0)  # one fixed set of triples for every run
        n = int(options["n"])
        info = DataInfo(
            spec=self.id if not request.argument else f"{self.id}:{request.argument}",
            kind=kind,
            shape=(3, *images.shape[2:]),
            num_classes=MODES,
            class_names=tuple(f"{i:03d}" for i in range(MODES)),
        )
        return TensorData(
            train=stack(images[train], labels[train], n, generator),
            test=stack(images[test], labels[test], max(n // 5, 1), generator),
            info=info,
        )


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_datasets() -> list[DatasetProvider]:
    return [StackedDigits()]
