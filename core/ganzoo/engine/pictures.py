"""Pictures people would rather look at than read: sample grids, 2-D scatter plots, curves;
for token models, the samples decoded to text."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from ganzoo.contracts import DataKind


def to_uint8(images: Tensor) -> np.ndarray:
    """N×C×H×W in [-1, 1] -> N×H×W×C uint8."""
    array = ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return array.permute(0, 2, 3, 1).numpy()


def grid_image(images: Tensor, nrow: int | None = None, cell: int = 64, pad: int = 2) -> np.ndarray:
    """Images tiled row by row, each scaled up (nearest) to at least `cell` pixels."""
    pixels = to_uint8(images)
    n, height, width, channels = pixels.shape
    nrow = nrow or math.ceil(math.sqrt(n))
    scale = max(1, cell // max(height, width))
    pixels = pixels.repeat(scale, axis=1).repeat(scale, axis=2)
    height, width = height * scale, width * scale
    rows = math.ceil(n / nrow)
    canvas = np.full(
        (rows * (height + pad) + pad, nrow * (width + pad) + pad, channels), 255, dtype=np.uint8
    )
    for index in range(n):
        r, c = divmod(index, nrow)
        top, left = pad + r * (height + pad), pad + c * (width + pad)
        canvas[top : top + height, left : left + width] = pixels[index]
    return canvas


def save_grid(images: Tensor, path: Path, nrow: int | None = None) -> Path:
    from PIL import Image

    canvas = grid_image(images, nrow)
    mode = "L" if canvas.shape[2] == 1 else "RGB"
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(canvas.squeeze(2) if mode == "L" else canvas, mode).save(path)
    return path


def save_scatter(
    samples: Tensor,
    path: Path,
    real: Tensor | None = None,
    centers: Sequence[Sequence[float]] | None = None,
    title: str = "",
) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    if real is not None:
        ax.scatter(*real[:2500].cpu().T, s=2, c="#bbbbbb", label="data")
    ax.scatter(*samples.detach().float().cpu().T, s=2, c="#c0392b", label="samples")
    if centers is not None:
        ax.scatter(*np.asarray(centers).T, s=40, marker="+", c="black", label="modes")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=8, markerscale=3)
    ax.set_title(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path


def save_samples_picture(
    samples: Tensor,
    path: Path,
    info,
    real: Tensor | None = None,
    nrow: int | None = None,
    title: str = "",
) -> Path:
    """A grid for images, a scatter over the data for points, decoded lines for tokens."""
    if info.kind == DataKind.TOKENS:
        from ganzoo.data.text import decode

        text_path = path.with_suffix(".txt")
        text_path.parent.mkdir(parents=True, exist_ok=True)
        text_path.write_text("\n".join(decode(samples, info)) + "\n", encoding="utf-8")
        return text_path
    if samples.dim() == 2 and samples.shape[1] == 2:
        return save_scatter(samples, path, real, info.extra.get("centers"), title)
    return save_grid(samples, path, nrow)


def plot_curves(records: list[dict], path: Path, title: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = sorted({k for r in records for k in r if k not in ("step", "time", "it_per_s")})
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    for key in keys:
        points = [(r["step"], r[key]) for r in records if isinstance(r.get(key), (int, float))]
        if points:
            ax.plot(*zip(*points, strict=True), label=key)
    ax.set_xlabel("step")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path
