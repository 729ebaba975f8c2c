"""Image-to-image tasks made from the bundled digits, so translation runs offline.

`digits-edges` (paired): A is the digit's edge map (a morphological gradient), B the digit.
`digits-styles` (unpaired): A is the digit, B the same kind of digit thickened and inverted
(dark ink on white). Training sees A and B drawn from disjoint halves of the training digits, so
no pair exists; the test split keeps each digit next to its own restyling and its label, for
the evaluation only.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from ganzoo.contracts import DataInfo, DataKind, DataRequest, DatasetProvider, TensorData
from ganzoo.data.common import choose_kind, fixed_split, resize_images
from ganzoo.data.digits import TEST_FRACTION, digit_images
from ganzoo.errors import DataError
from ganzoo.hookspecs import PLUGIN_API_VERSION, hookimpl


def dilate(images: Tensor) -> Tensor:
    return F.max_pool2d(images, 3, 1, 1)


def erode(images: Tensor) -> Tensor:
    return -F.max_pool2d(-images, 3, 1, 1)


def edge_map(images: Tensor) -> Tensor:
    """Outline of digits in [-1, 1]: dilation minus erosion, rescaled to [-1, 1]."""
    gradient = (dilate(images) - erode(images)) / 2  # in [0, 1]
    return (gradient * 2 - 1).clamp(-1, 1)


def restyle(images: Tensor) -> Tensor:
    """Thicker strokes, inverted: white ink on black becomes bold dark ink on white."""
    return -dilate(images)


def _digits(request: DataRequest, provider_id: str) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    if request.argument:
        raise DataError(f"{provider_id} takes no argument")
    if request.channels not in (None, 1):
        raise DataError(f"{provider_id} images have 1 channel, not {request.channels}")
    images, labels = digit_images()
    images = resize_images(images, request.image_size or 32).clamp(-1, 1)
    train, test = fixed_split(len(images), TEST_FRACTION)
    return images[train], labels[train], images[test], labels[test]


def digit_task_info(spec: str, kind: DataKind, images: Tensor, domains: list[str]) -> DataInfo:
    return DataInfo(
        spec=spec,
        kind=kind,
        shape=tuple(images.shape[1:]),
        num_classes=10,
        class_names=tuple(str(d) for d in range(10)),
        extra={"domains": domains},
    )


class DigitsEdges(DatasetProvider):
    id = "digits-edges"
    description = "paired: edge map of a digit (A) -> the digit (B), 32 px by default"
    kinds = (DataKind.PAIRED_IMAGES,)

    def load(self, request: DataRequest) -> TensorData:
        kind = choose_kind(self.id, self.kinds, request)
        train_x, train_y, test_x, test_y = _digits(request, self.id)
        info = digit_task_info(self.id, kind, train_x, ["edges", "digits"])
        return TensorData(
            train={"a": edge_map(train_x), "b": train_x, "y": train_y},
            test={"a": edge_map(test_x), "b": test_x, "y": test_y},
            info=info,
        )


class DigitsStyles(DatasetProvider):
    id = "digits-styles"
    description = "unpaired: digits (A) <-> bold inverted digits (B), 32 px by default"
    kinds = (DataKind.UNPAIRED_IMAGES,)

    def load(self, request: DataRequest) -> TensorData:
        kind = choose_kind(self.id, self.kinds, request)
        train_x, _, test_x, test_y = _digits(request, self.id)
        half = len(train_x) // 2
        info = digit_task_info(self.id, kind, train_x, ["digits", "bold-inverted"])
        return TensorData(
            train={"a": train_x[:half], "b": restyle(train_x[half : 2 * half])},
            test={"a": test_x, "b": restyle(test_x), "y": test_y},
            info=info,
            independent=True,
        )


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_datasets() -> list[DatasetProvider]:
    return [DigitsEdges(), DigitsStyles()]
