"""scikit-learn's bundled 8x8 digits (1,797 labelled images), resampled to the model's size."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import torch

from ganzoo.contracts import DataInfo, DataKind, DataRequest, DatasetProvider, TensorData
from ganzoo.data.common import choose_kind, fixed_split, match_channels, resize_images
from ganzoo.errors import DataError
from ganzoo.hookspecs import PLUGIN_API_VERSION, hookimpl

TEST_FRACTION = 0.2


def digit_images() -> tuple[torch.Tensor, torch.Tensor]:
    """All 1,797 digits as 1×8×8 images in [-1, 1] and their labels; offline, no download.
    Read straight from scikit-learn's data file (64 pixel values in 0..16, then the label, per
    row) without importing scikit-learn, which costs seconds at every start on digits."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise DataError("digits needs scikit-learn's bundled data: pip install scikit-learn")
    path = Path(spec.submodule_search_locations[0], "datasets", "data", "digits.csv.gz")
    if not path.is_file():
        raise DataError(f"digits: scikit-learn has no {path}; reinstall scikit-learn")
    table = np.loadtxt(path, delimiter=",", dtype=np.float32)
    images = torch.from_numpy(table[:, :64]).view(-1, 1, 8, 8) / 16 * 2 - 1
    return images, torch.from_numpy(table[:, 64]).long()


class Digits(DatasetProvider):
    id = "digits"
    description = (
        "scikit-learn's 8x8 digits, 10 classes, resampled to 16/32/64 px (fixed 80/20 split)"
    )
    kinds = (DataKind.LABELLED_IMAGES, DataKind.IMAGES)

    def load(self, request: DataRequest) -> TensorData:
        kind = choose_kind(self.id, self.kinds, request)
        if request.argument:
            raise DataError("digits takes no argument")
        size = request.image_size or 16
        images, labels = digit_images()
        images = match_channels(resize_images(images, size), request.channels)
        train, test = fixed_split(len(images), TEST_FRACTION)
        info = DataInfo(
            spec=self.id,
            kind=kind,
            shape=tuple(images.shape[1:]),
            num_classes=10,
            class_names=tuple(str(d) for d in range(10)),
        )
        return TensorData(
            train={"x": images[train], "y": labels[train]},
            test={"x": images[test], "y": labels[test]},
            info=info,
        )


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_datasets() -> list[DatasetProvider]:
    return [Digits()]
