"""`shapes-captions`: procedurally drawn shapes, each image with several paraphrased captions.

Attributes: shape (circle, square, triangle), colour (six), size (small, big), position (four
corners and the centre), on one of three dark backgrounds, with jitter in place and size.
Some (shape, colour) pairs never appear in training (`HELD_OUT`: no red triangles...), so a
text-to-image model can be asked for combinations it has only seen in parts.

Options: `shapes-captions:n=10000,captions=5,length=16` (training images, captions per image,
tokens per caption). Every run gets the same images (seed 0).
"""

from __future__ import annotations

import functools
import itertools
import random
import re
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor

from ganzoo.contracts import DataInfo, DataKind, DataRequest, DatasetProvider, TensorData
from ganzoo.data.captions import caption_words, captioned_data, encode_captions
from ganzoo.data.common import choose_kind, parse_options
from ganzoo.errors import DataError
from ganzoo.hookspecs import PLUGIN_API_VERSION, hookimpl

SHAPES = ("circle", "square", "triangle")
COLOURS = {
    "red": (0.92, 0.12, 0.10),
    "green": (0.12, 0.78, 0.18),
    "blue": (0.15, 0.30, 0.98),
    "yellow": (0.96, 0.90, 0.12),
    "magenta": (0.90, 0.18, 0.86),
    "cyan": (0.10, 0.86, 0.92),
}
SIZES = {"small": (0.12, 0.15), "big": (0.22, 0.26)}  # half-extent, as a fraction of the side
POSITIONS = {
    "top left": (0.27, 0.27),
    "top right": (0.73, 0.27),
    "bottom left": (0.27, 0.73),
    "bottom right": (0.73, 0.73),
    "centre": (0.5, 0.5),
}
BACKGROUNDS = ((0.0, 0.0, 0.0), (0.22, 0.22, 0.22), (0.05, 0.07, 0.25))
ATTRIBUTES = {
    "shape": SHAPES,
    "colour": tuple(COLOURS),
    "size": tuple(SIZES),
    "position": tuple(POSITIONS),
}
HELD_OUT = {("triangle", "red"), ("circle", "green"), ("square", "blue")}
JITTER = 0.035
SUPERSAMPLE = 4

SIZE_WORDS = {"small": ("small", "little", "tiny"), "big": ("big", "large", "huge")}
SHAPE_WORDS = {
    "circle": ("circle", "disc", "round shape"),
    "square": ("square", "box", "block"),
    "triangle": ("triangle", "wedge", "three-sided shape"),
}
WHERE = {
    "top left": ("at the top left", "in the upper left corner", "top-left"),
    "top right": ("at the top right", "in the upper right corner", "top-right"),
    "bottom left": ("at the bottom left", "in the lower left corner", "bottom-left"),
    "bottom right": ("at the bottom right", "in the lower right corner", "bottom-right"),
    "centre": ("in the centre", "in the middle", "centre"),
}
TEMPLATES = (
    "a {size} {colour} {shape} {where}",
    "{label}: {size} {colour} {shape}",
    "there is a {colour} {shape} {where} , it is {size}",
    "{where} , a {size} {shape} in {colour}",
    "{size} {shape} , coloured {colour} , {where}",
)
PREVIEW = (
    "a big red circle in the centre",
    "a small blue triangle at the top left",
    "a big yellow square at the bottom right",
    "a small green square at the top right",
    "a big magenta triangle in the middle",
    "a small cyan circle at the bottom left",
    "a big red triangle at the top left",
    "a small green circle in the centre",
)  # the last two are held-out combinations


def caption_for(attributes: tuple[int, ...], rng: random.Random) -> str:
    """One paraphrase of an attribute tuple (shape, colour, size, position)."""
    shape, colour, size, position = (
        ATTRIBUTES[k][i] for k, i in zip(ATTRIBUTES, attributes, strict=True)
    )
    wheres = WHERE[position]
    return rng.choice(TEMPLATES).format(
        size=rng.choice(SIZE_WORDS[size]),
        colour=colour,
        shape=rng.choice(SHAPE_WORDS[shape]),
        where=rng.choice(wheres[:2]),
        label=wheres[2],
    )


def vocabulary_words() -> list[str]:
    """Every word any caption can use, so every paraphrase encodes without <unk>."""
    fixed = re.sub(r"\{\w+\}", " ", " ".join(TEMPLATES))
    phrases = [fixed, *COLOURS, *itertools.chain(*SIZE_WORDS.values(), *SHAPE_WORDS.values())]
    phrases += list(itertools.chain(*WHERE.values()))
    return sorted({w for p in phrases for w in caption_words(p)})


def combinations(held_out: bool | None) -> list[tuple[int, int, int, int]]:
    """Attribute tuples of the training set (held_out=False), the held-out set (True) or all
    of them (None: what an attribute judge learns from)."""
    keep = []
    for combo in itertools.product(*(range(len(v)) for v in ATTRIBUTES.values())):
        pair = (SHAPES[combo[0]], ATTRIBUTES["colour"][combo[1]])
        if held_out is None or (pair in HELD_OUT) == held_out:
            keep.append(combo)
    return keep


def combination_class(attributes: Tensor) -> Tensor:
    """N×4 attribute indices -> one class per combination (for the domain classifier)."""
    index = torch.zeros(len(attributes), dtype=torch.long)
    for column, values in enumerate(ATTRIBUTES.values()):
        index = index * len(values) + attributes[:, column]
    return index


def _shape_mask(kind: str, dx: Tensor, dy: Tensor, h: Tensor) -> Tensor:
    if kind == "circle":
        return dx.square() + dy.square() <= h.square()
    if kind == "square":
        return (dx.abs() <= 0.85 * h) & (dy.abs() <= 0.85 * h)
    # an upward triangle inside the shape's box: flat base, apex at the top
    return (dy <= 0.8 * h) & (dy >= -h) & (2 * dx.abs() <= (dy + h) * 1.15)


def _coverage(kind: Tensor, centre: Tensor, half: Tensor, side: int) -> Tensor:
    """Coverage (N×side×side, 0..1) of each shape, drawn SUPERSAMPLE× larger and averaged."""
    fine = side * SUPERSAMPLE
    grid = (torch.arange(fine, dtype=torch.float32) + 0.5) / fine
    coverage = torch.empty(len(kind), fine, fine)
    for index, name in enumerate(SHAPES):
        rows = (kind == index).nonzero().squeeze(1)
        dx = grid.view(1, 1, -1) - centre[rows, 0].view(-1, 1, 1)
        dy = grid.view(1, -1, 1) - centre[rows, 1].view(-1, 1, 1)
        coverage[rows] = _shape_mask(name, dx, dy, half[rows].view(-1, 1, 1)).float()
    return F.avg_pool2d(coverage[:, None], SUPERSAMPLE).squeeze(1)


def render(attributes: Tensor, side: int, generator: torch.Generator) -> Tensor:
    """N×3×side×side images in [-1, 1] for N×4 attribute indices (jittered, random background)."""
    n = len(attributes)
    colours = torch.tensor(list(COLOURS.values()))[attributes[:, 1]]
    bounds = torch.tensor(list(SIZES.values()))[attributes[:, 2]]
    half = bounds[:, 0] + (bounds[:, 1] - bounds[:, 0]) * torch.rand(n, generator=generator)
    centre = torch.tensor(list(POSITIONS.values()))[attributes[:, 3]]
    centre = centre + (torch.rand(n, 2, generator=generator) * 2 - 1) * JITTER
    background = torch.tensor(BACKGROUNDS)[
        torch.randint(len(BACKGROUNDS), (n,), generator=generator)
    ]
    images = []
    for part in range(0, n, 1024):
        rows = slice(part, part + 1024)
        mask = _coverage(attributes[rows, 0], centre[rows], half[rows], side)[:, None]
        images.append(
            background[rows, :, None, None] * (1 - mask) + colours[rows, :, None, None] * mask
        )
    return torch.cat(images) * 2 - 1


def draw_attributes(n: int, held_out: bool | None, generator: torch.Generator) -> Tensor:
    pool = torch.tensor(combinations(held_out))
    return pool[torch.randint(len(pool), (n,), generator=generator)]


@functools.lru_cache(maxsize=8)
def shapes_set(n: int, side: int, held_out: bool | None, seed: int) -> tuple[Tensor, Tensor]:
    """(images, attributes): the same n images for the same arguments, on every machine."""
    generator = torch.Generator().manual_seed(seed)
    attributes = draw_attributes(n, held_out, generator)
    return render(attributes, side, generator), attributes


def captions_for(attributes: Tensor, per_image: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    rows = [tuple(row) for row in attributes.tolist()]
    return [[caption_for(row, rng) for _ in range(per_image)] for row in rows]


class ShapesCaptions(DatasetProvider):
    id = "shapes-captions"
    description = (
        "procedural shapes (3 shapes, 6 colours, 2 sizes, 5 positions) with paraphrased "
        "captions; some shape-colour pairs held out of training"
    )
    kinds = (DataKind.CAPTIONED_IMAGES,)
    defaults: ClassVar[dict[str, int]] = {"n": 10000, "captions": 5, "length": 16}

    def load(self, request: DataRequest) -> TensorData:
        choose_kind(self.id, self.kinds, request)
        options = parse_options(self.id, request.argument, self.defaults)
        if options["n"] < 1 or options["captions"] < 1 or options["length"] < 4:
            raise DataError(f"{self.id}: n and captions must be at least 1, length at least 4")
        if request.channels not in (None, 3):
            raise DataError(f"{self.id} images have 3 channels, not {request.channels}")
        side = request.image_size or 32
        n = options["n"]
        train_images, train_attributes = shapes_set(n, side, False, 0)
        test_images, test_attributes = shapes_set(max(n // 5, 1), side, False, 1)
        per_image, length = options["captions"], options["length"]
        data = captioned_data(
            spec=self.id if not request.argument else f"{self.id}:{request.argument}",
            train={"x": train_images, "attributes": train_attributes},
            train_captions=captions_for(train_attributes, per_image, 0),
            test={"x": test_images, "attributes": test_attributes},
            test_captions=captions_for(test_attributes, per_image, 1),
            vocabulary=vocabulary_words(),
            length=length,
            preview=PREVIEW,
        )
        for split in (data.train, data.test):
            split["y"] = combination_class(split["attributes"])
        data.info.num_classes = len(SHAPES) * len(COLOURS) * len(SIZES) * len(POSITIONS)
        data.info.extra["attributes"] = {k: list(v) for k, v in ATTRIBUTES.items()}
        data.info.extra["held_out"] = sorted(" ".join(pair[::-1]) for pair in HELD_OUT)
        return data


def held_out_set(n: int, side: int, per_image: int, info: DataInfo) -> dict[str, Tensor]:
    """Images, attributes and encoded captions of combinations never seen in training."""
    images, attributes = shapes_set(n, side, True, 2)
    captions = encode_captions(captions_for(attributes, per_image, 2), info)
    return {"x": images, "attributes": attributes, "captions": captions}


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_datasets() -> list[DatasetProvider]:
    return [ShapesCaptions()]
