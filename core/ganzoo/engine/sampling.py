"""Writing samples the way people want them: a picture, a raw array, one PNG per image, or
decoded text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from ganzoo.contracts import DataKind, Variant
from ganzoo.data.text import decode
from ganzoo.engine.pictures import save_grid, save_samples_picture
from ganzoo.engine.tensorio import save_tensors
from ganzoo.errors import ConfigError


def parse_labels(text: str | None, count: int, model: Variant) -> tuple[Tensor | None, int | None]:
    """`3,3,7` -> those labels; `all` -> a row of count/classes samples per class."""
    if text is None:
        return None, None
    classes = model.data.num_classes
    if not model.conditional or not classes:
        raise ConfigError(f"{model.id} is unconditional; --labels needs a conditional variant")
    if text.strip() == "all":
        per_class = max(1, count // classes)
        labels = torch.arange(classes).repeat_interleave(per_class)
        return labels.to(model.device), per_class
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ConfigError(
            f"--labels takes comma-separated class numbers or 'all', not {text!r}"
        ) from None
    bad = [v for v in values if not 0 <= v < classes]
    if bad or not values:
        raise ConfigError(f"--labels must be in 0..{classes - 1}; got {text!r}")
    return torch.tensor(values, device=model.device), None


def parse_texts(texts: tuple[str, ...], per_caption: int, model: Variant) -> tuple[Tensor, int]:
    """Captions -> token rows, each repeated `per_caption` times (a grid row per caption)."""
    if model.data.kind != DataKind.CAPTIONED_IMAGES:
        raise ConfigError(f"{model.id} is not a text-to-image model; --text needs one")
    from ganzoo.data.captions import encode_text

    tokens = encode_text(list(texts), model.data).to(model.device)
    return tokens.repeat_interleave(per_caption, dim=0), per_caption


def write_samples(samples: Tensor, output: Path, model: Variant, nrow: int | None) -> Path:
    tokens = model.data.kind == DataKind.TOKENS
    suffix = output.suffix.lower()
    if tokens and suffix == ".txt":
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text("\n".join(decode(samples, model.data)) + "\n", encoding="utf-8")
        return output
    if str(output).endswith(("/", "\\")) or output.is_dir() or not suffix:
        if samples.dim() != 4:
            if tokens:
                raise ConfigError("token samples go to x.txt, x.npy, or standard output (no -o)")
            raise ConfigError("one PNG per sample needs image samples; use -o x.npy for points")
        output.mkdir(parents=True, exist_ok=True)
        for index, image in enumerate(samples):
            save_grid(image[None], output / f"{index:05d}.png", nrow=1)
        return output
    output.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".png":
        return save_samples_picture(
            samples, output, model.data, nrow=nrow or 8, title=f"{model.id} samples"
        )
    if suffix == ".npy":
        np.save(output, samples.detach().float().cpu().numpy())
        return output
    if suffix == ".safetensors":
        save_tensors(output, {"samples": samples})
        return output
    raise ConfigError(
        f"-o takes .png, .txt (tokens), .npy, .safetensors or a folder/, not {output.name!r}"
    )
