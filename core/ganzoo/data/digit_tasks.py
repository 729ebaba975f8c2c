"""Image-to-image tasks made from the bundled digits, so translation runs offline.

`digits-edges` (paired): A is the outline of the digit's shape, B the digit inked crisply at a
pen weight drawn for each image. The outline does not show the pen weight, as an edge map does
not show a photo's shading, so B is not a function of A: a pixel loss alone gives one answer per
outline, the case pix2pix's adversarial term is for.
`digits-styles` (unpaired): A is the digit, B the same kind of digit thickened and inverted
(dark ink on white). Training sees A and B drawn from disjoint halves of the training digits, so
no pair exists; the test split keeps each digit next to its own restyling and its label, for
the evaluation only.
"""

from __future__ import annotations

import torch
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


PEN_WEIGHT_SPREAD = 0.25  # ink level moves by up to this either way: about half a pixel at 32 px
INK_SHARPNESS = 4.0  # an edge about one pixel wide


def outline(images: Tensor) -> Tensor:
    """Boundary of the ink at the middle level, in {-1, 1}: dilation minus erosion of the mask."""
    mask = (images > 0).float()
    return (dilate(mask) - erode(mask)) * 2 - 1


def pen_weights(n: int) -> Tensor:
    """One ink level per digit, the same on every machine and run (seed 0, not the run's)."""
    uniform = torch.rand(n, 1, 1, 1, generator=torch.Generator().manual_seed(0))
    return (uniform * 2 - 1) * PEN_WEIGHT_SPREAD


def ink(images: Tensor, levels: Tensor) -> Tensor:
    """Crisp strokes: each smooth digit cut at its own level, with an edge about a pixel wide."""
    return ((images - levels) * INK_SHARPNESS).clamp(-1, 1)


def restyle(images: Tensor) -> Tensor:
    """Thicker strokes, inverted: white ink on black becomes bold dark ink on white."""
    return -dilate(images)


def _digits(request: DataRequest, provider_id: str) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """All digits, smooth, at the requested size; their labels; the fixed train and test indices."""
    if request.argument:
        raise DataError(f"{provider_id} takes no argument")
    if request.channels not in (None, 1):
        raise DataError(f"{provider_id} images have 1 channel, not {request.channels}")
    images, labels = digit_images()
    images = resize_images(images, request.image_size or 32).clamp(-1, 1)
    train, test = fixed_split(len(images), TEST_FRACTION)
    return images, labels, train, test


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
    description = "paired: outline of a digit (A) -> the digit inked at a random pen weight (B)"
    kinds = (DataKind.PAIRED_IMAGES,)

    def load(self, request: DataRequest) -> TensorData:
        kind = choose_kind(self.id, self.kinds, request)
        smooth, labels, train, test = _digits(request, self.id)
        edges, inked = outline(smooth), ink(smooth, pen_weights(len(smooth)))
        info = digit_task_info(self.id, kind, inked, ["edges", "digits"])
        return TensorData(
            train={"a": edges[train], "b": inked[train], "y": labels[train]},
            test={"a": edges[test], "b": inked[test], "y": labels[test]},
            info=info,
        )


class DigitsStyles(DatasetProvider):
    id = "digits-styles"
    description = "unpaired: digits (A) <-> bold inverted digits (B), 32 px by default"
    kinds = (DataKind.UNPAIRED_IMAGES,)

    def load(self, request: DataRequest) -> TensorData:
        kind = choose_kind(self.id, self.kinds, request)
        images, labels, train, test = _digits(request, self.id)
        train_x, test_x, test_y = images[train], images[test], labels[test]
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
