"""Translate image files with an image-to-image model (`zoo translate`)."""

from __future__ import annotations

from pathlib import Path

import torch

from ganzoo.contracts import Variant
from ganzoo.data.common import match_channels
from ganzoo.data.folder import IMAGE_SUFFIXES, load_image
from ganzoo.engine.pictures import to_uint8
from ganzoo.errors import DataError, ZooError


def input_files(path: Path) -> list[Path]:
    if not path.exists():
        raise DataError(f"{path} does not exist")
    if path.is_file():
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            raise DataError(f"{path} is not an image ({', '.join(sorted(IMAGE_SUFFIXES))})")
        return [path]
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DataError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in {path}")
    return files


def translate_files(
    model: Variant, source: Path, output: Path, direction: str = "AtoB", batch: int = 64
) -> list[Path]:
    """One PNG in `output` per input image, named after it."""
    from PIL import Image

    if not hasattr(model, "translate"):
        raise ZooError(
            f"{model.id} is not an image-to-image model; zoo translate needs one "
            "(patchgan, cyclegan)"
        )
    channels, size = model.input_shape(direction)[0], model.input_shape(direction)[-1]
    files = input_files(source)
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for start in range(0, len(files), batch):
        chunk = files[start : start + batch]
        images = []
        for path in chunk:
            try:
                array = load_image(path, size)
            except Exception as err:
                raise DataError(f"cannot read {path}: {err}") from None
            tensor = torch.from_numpy(array).permute(2, 0, 1).unsqueeze(0).float() / 127.5 - 1
            images.append(match_channels(tensor, channels))
        translated = model.translate(torch.cat(images), direction).cpu()
        for path, image in zip(chunk, to_uint8(translated), strict=True):
            target = output / f"{path.stem}.png"
            Image.fromarray(image.squeeze(2) if image.shape[2] == 1 else image).save(target)
            written.append(target)
    return written
