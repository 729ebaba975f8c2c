"""`folder:PATH`: a folder of images, optionally one sub-folder per class (labels).

Validated up front: a missing path, no images, mixed channel counts are errors; unreadable
files are skipped and counted.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

from ganzoo.contracts import DataInfo, DataKind, DataRequest, DatasetProvider, TensorData
from ganzoo.data.common import choose_kind, match_channels
from ganzoo.errors import DataError
from ganzoo.hookspecs import PLUGIN_API_VERSION, hookimpl

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


def find_images(root: Path) -> tuple[list[Path], list[str]]:
    """Image files and class names: sub-folders are classes when every image lives in one."""
    if not root.exists():
        raise DataError(f"folder {root} does not exist")
    if not root.is_dir():
        raise DataError(f"{root} is not a folder (folder:PATH takes a folder of images)")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DataError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) under {root}")
    parents = {p.parent for p in files}
    if root in parents:
        return files, []
    classes = sorted({p.relative_to(root).parts[0] for p in files})
    return files, classes


def load_image(path: Path, size: int) -> np.ndarray:
    """Resize the shorter side to `size`, centre-crop, return H×W×C uint8."""
    from PIL import Image

    with Image.open(path) as image:
        image.load()
        if image.mode not in ("L", "RGB"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB").convert("RGB")
        width, height = image.size
        scale = size / min(width, height)
        image = image.resize(
            (max(size, round(width * scale)), max(size, round(height * scale))),
            Image.Resampling.BICUBIC,
        )
        left = (image.size[0] - size) // 2
        top = (image.size[1] - size) // 2
        array = np.asarray(image.crop((left, top, left + size, top + size)))
    array = np.array(array)  # a writable copy
    return array[:, :, None] if array.ndim == 2 else array


class Folder(DatasetProvider):
    id = "folder"
    description = "folder:PATH, images of any common format; class sub-folders become labels"
    kinds = (DataKind.LABELLED_IMAGES, DataKind.IMAGES)
    needs_argument = True

    def load(self, request: DataRequest) -> TensorData:
        if not request.argument:
            raise DataError("folder needs a path: --data folder:PATH")
        root = Path(request.argument).expanduser()
        files, classes = find_images(root)
        kind = choose_kind(self.id, self.kinds if classes else (DataKind.IMAGES,), request)
        size = request.image_size or 32
        arrays, labels, skipped = [], [], []
        for path in files:
            try:
                arrays.append(load_image(path, size))
            except Exception as err:
                skipped.append(f"{path.name}: {err}")
                continue
            if classes:
                labels.append(classes.index(path.relative_to(root).parts[0]))
        if skipped:
            print(
                f"folder: skipped {len(skipped)} unreadable file(s), first: {skipped[0]}",
                file=sys.stderr,
            )
        if not arrays:
            raise DataError(f"none of the {len(files)} images under {root} could be read")
        channel_counts = {a.shape[2] for a in arrays}
        if len(channel_counts) > 1 and request.channels is None:
            counts = {c: sum(a.shape[2] == c for a in arrays) for c in sorted(channel_counts)}
            raise DataError(
                f"{root} mixes channel counts ({', '.join(f'{n} with {c}' for c, n in counts.items())}); "
                "set channels=1 or channels=3 in the variant config to convert them"
            )
        target = request.channels or channel_counts.pop()
        images = torch.cat(
            [
                match_channels(torch.from_numpy(a).permute(2, 0, 1).unsqueeze(0).float(), target)
                for a in arrays
            ]
        )
        images = images / 127.5 - 1
        train = {"x": images}
        if classes:
            train["y"] = torch.tensor(labels, dtype=torch.long)
        info = DataInfo(
            spec=f"folder:{root}",
            kind=kind,
            shape=tuple(images.shape[1:]),
            num_classes=len(classes),
            class_names=tuple(classes),
            extra={"skipped": len(skipped)},
        )
        return TensorData(train=train, info=info)


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_datasets() -> list[DatasetProvider]:
    return [Folder()]
