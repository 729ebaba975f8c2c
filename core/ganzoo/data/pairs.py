"""Translation data from folders.

`paired:PATH`: either `PATH/A/` and `PATH/B/` holding images with matching names, or `PATH/`
holding side-by-side images (A on the left half, B on the right), as pix2pix's datasets come.
`unpaired:PATH`: `PATH/trainA/` and `PATH/trainB/`, any number of images on each side.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from ganzoo.contracts import DataInfo, DataKind, DataRequest, DatasetProvider, TensorData
from ganzoo.data.common import choose_kind, match_channels
from ganzoo.data.folder import IMAGE_SUFFIXES, load_image
from ganzoo.errors import DataError
from ganzoo.hookspecs import PLUGIN_API_VERSION, hookimpl


def images_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DataError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in {folder}")
    return files


def image_size_of(path: Path) -> tuple[int, int]:
    from PIL import Image

    try:
        with Image.open(path) as image:
            return image.size
    except Exception as err:
        raise DataError(f"cannot read {path}: {err}") from None


def to_tensor(arrays: list[np.ndarray], channels: int | None) -> Tensor:
    counts = {a.shape[2] for a in arrays}
    target = channels or max(counts)
    images = torch.cat(
        [
            match_channels(torch.from_numpy(a).permute(2, 0, 1).unsqueeze(0).float(), target)
            for a in arrays
        ]
    )
    return images / 127.5 - 1


def read_all(files: list[Path], size: int, side: str) -> list[np.ndarray]:
    arrays = []
    for path in files:
        try:
            arrays.append(load_image(path, size))
        except Exception as err:
            raise DataError(f"cannot read {side} image {path}: {err}") from None
    return arrays


def split_side_by_side(path: Path, size: int) -> tuple[np.ndarray, np.ndarray]:
    from PIL import Image

    width, height = image_size_of(path)
    if width != 2 * height:
        raise DataError(
            f"{path} is {width}x{height}; a side-by-side pair is twice as wide as high "
            "(or use A/ and B/ folders with matching names)"
        )
    with Image.open(path) as image:
        image.load()
        halves = [image.crop((0, 0, height, height)), image.crop((height, 0, width, height))]
    out = []
    for half in halves:
        half = half.convert("RGB") if half.mode not in ("L", "RGB") else half
        array = np.array(half.resize((size, size), Image.Resampling.BICUBIC))
        out.append(array[:, :, None] if array.ndim == 2 else array)
    return out[0], out[1]


def folder_argument(provider_id: str, request: DataRequest) -> Path:
    root = Path(request.argument or "").expanduser()
    if not root.is_dir():
        raise DataError(f"{provider_id}: {root} does not exist or is not a folder")
    return root


class PairedFolder(DatasetProvider):
    id = "paired"
    description = "paired:PATH, A/ and B/ with matching names, or side-by-side A|B images"
    kinds = (DataKind.PAIRED_IMAGES,)
    needs_argument = True

    def load(self, request: DataRequest) -> TensorData:
        kind = choose_kind(self.id, self.kinds, request)
        root = folder_argument(self.id, request)
        size = request.image_size or 32
        if (root / "A").exists() or (root / "B").exists():
            a, b = self._from_two_folders(root, size)
        else:
            pairs = [split_side_by_side(p, size) for p in images_in(root)]
            a, b = [p[0] for p in pairs], [p[1] for p in pairs]
        images_a, images_b = to_tensor(a, None), to_tensor(b, request.channels)
        info = DataInfo(
            spec=f"paired:{root}",
            kind=kind,
            shape=tuple(images_b.shape[1:]),
            extra={"domains": ["A", "B"], "input_channels": images_a.shape[1]},
        )
        return TensorData(train={"a": images_a, "b": images_b}, info=info)

    @staticmethod
    def _from_two_folders(root: Path, size: int) -> tuple[list, list]:
        for side in ("A", "B"):
            if not (root / side).is_dir():
                raise DataError(f"paired: {root} has no {side}/ folder (A/ and B/ go together)")
        files_a = {p.stem: p for p in images_in(root / "A")}
        files_b = {p.stem: p for p in images_in(root / "B")}
        only_a, only_b = sorted(files_a.keys() - files_b), sorted(files_b.keys() - files_a)
        if only_a or only_b:
            detail = "; ".join(
                f"{len(names)} only in {side}/ (first: {names[0]})"
                for side, names in (("A", only_a), ("B", only_b))
                if names
            )
            raise DataError(f"paired: A/ and B/ names do not match: {detail}")
        names = sorted(files_a)
        for name in names:
            size_a, size_b = image_size_of(files_a[name]), image_size_of(files_b[name])
            if size_a != size_b:
                raise DataError(
                    f"paired: {name} is {size_a[0]}x{size_a[1]} in A/ but "
                    f"{size_b[0]}x{size_b[1]} in B/; a pair must have one size"
                )
        return (
            read_all([files_a[n] for n in names], size, "A"),
            read_all([files_b[n] for n in names], size, "B"),
        )


class UnpairedFolder(DatasetProvider):
    id = "unpaired"
    description = "unpaired:PATH, images in trainA/ and trainB/ (no correspondence needed)"
    kinds = (DataKind.UNPAIRED_IMAGES,)
    needs_argument = True

    def load(self, request: DataRequest) -> TensorData:
        kind = choose_kind(self.id, self.kinds, request)
        root = folder_argument(self.id, request)
        size = request.image_size or 32
        sides = {}
        for side in ("trainA", "trainB"):
            if not (root / side).is_dir():
                raise DataError(f"unpaired: {root} has no {side}/ folder")
            sides[side] = to_tensor(read_all(images_in(root / side), size, side), request.channels)
        a, b = sides["trainA"], sides["trainB"]
        if a.shape[1] != b.shape[1]:
            raise DataError(
                f"unpaired: trainA has {a.shape[1]}-channel images, trainB {b.shape[1]}; "
                "set channels=1 or channels=3 in the variant config"
            )
        if len(a) != len(b):
            print(
                f"unpaired: {len(a)} images in trainA, {len(b)} in trainB; "
                f"an epoch uses {min(len(a), len(b))} of each",
                file=sys.stderr,
            )
        info = DataInfo(
            spec=f"unpaired:{root}",
            kind=kind,
            shape=tuple(a.shape[1:]),
            extra={"domains": ["A", "B"]},
        )
        return TensorData(train={"a": a, "b": b}, info=info, independent=True)


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_datasets() -> list[DatasetProvider]:
    return [PairedFolder(), UnpairedFolder()]
