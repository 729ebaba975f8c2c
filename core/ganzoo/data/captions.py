"""Captioned images: every image with K captions as word tokens (N×K×L), and `captions:PATH`
for a user's own folder of images with a captions file.

`captions:PATH` reads PATH/captions.txt, one `file name<TAB>caption` per line (an image may
have several lines); images are loaded like `folder:` data. Options after the path:
`captions:DIR,vocab=5000,length=24`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from torch import Tensor

from ganzoo.contracts import DataInfo, DataKind, DataRequest, DatasetProvider, TensorData
from ganzoo.data.common import choose_kind, fixed_split, path_and_options
from ganzoo.data.folder import IMAGE_SUFFIXES
from ganzoo.data.pairs import read_all, to_tensor
from ganzoo.data.text import SPECIALS, build_vocabulary, check_token_options, encode
from ganzoo.errors import ConfigError, DataError
from ganzoo.hookspecs import PLUGIN_API_VERSION, hookimpl

CAPTIONS_FILE = "captions.txt"
DEFAULTS = {"vocab": 5000, "length": 24}
TEST_FRACTION = 0.1


def caption_words(text: str) -> list[str]:
    """Lower-case words and punctuation marks as separate tokens ("top-left:" -> 4 tokens)."""
    return re.findall(r"[a-z0-9]+|[^\sa-z0-9]", text.lower())


def _encode_per_image(
    captions: Sequence[Sequence[str]], vocabulary: list[str], length: int, per_image: int
) -> Tensor:
    """N images' caption lists -> N×K×L (shorter lists repeat, longer ones are cut)."""
    rows = [[c[i % len(c)] for i in range(per_image)] for c in captions]
    flat = encode([caption_words(t) for row in rows for t in row], vocabulary, length)
    return flat.view(len(captions), per_image, length)


def captioned_data(
    spec: str,
    train: dict[str, Tensor],
    train_captions: Sequence[Sequence[str]],
    vocabulary: list[str],
    length: int,
    preview: Sequence[str],
    test: dict[str, Tensor] | None = None,
    test_captions: Sequence[Sequence[str]] | None = None,
) -> TensorData:
    """The TensorData of every captioned dataset: `x`, `captions` (N×K×L), the vocabulary and
    a few preview captions (the sample grids' rows) in `info.extra`."""
    tokens = [*SPECIALS, *(w for w in vocabulary if w not in SPECIALS)]
    per_image = max(len(c) for c in [*train_captions, *(test_captions or [])])
    train = {**train, "captions": _encode_per_image(train_captions, tokens, length, per_image)}
    if test is not None and test_captions is not None:
        test = {**test, "captions": _encode_per_image(test_captions, tokens, length, per_image)}
    info = DataInfo(
        spec=spec,
        kind=DataKind.CAPTIONED_IMAGES,
        shape=tuple(train["x"].shape[1:]),
        extra={"tokens": tokens, "level": "word", "caption_length": length},
    )
    info.extra["preview"] = encode([caption_words(t) for t in preview], tokens, length).tolist()
    return TensorData(train=train, test=test or {}, info=info)


def encode_text(texts: list[str], info: DataInfo) -> Tensor:
    """Captions typed by a user -> N×L token ids; words outside the vocabulary are an error."""
    vocabulary = info.extra["tokens"]
    known = set(vocabulary)
    words = [caption_words(text) for text in texts]
    unknown = sorted({w for line in words for w in line if w not in known})
    if unknown:
        raise ConfigError(
            f"words not in the model's vocabulary: {', '.join(unknown[:8])} "
            f"(it knows {len(vocabulary) - len(SPECIALS)} words, e.g. "
            f"{', '.join(vocabulary[len(SPECIALS) : len(SPECIALS) + 8])})"
        )
    if not any(words):
        raise ConfigError("--text needs at least one word")
    return encode(words, vocabulary, info.extra["caption_length"])


def encode_captions(captions: Sequence[Sequence[str]], info: DataInfo) -> Tensor:
    """Generated captions (N lists of K) in a dataset's vocabulary -> N×K×L."""
    per_image = max(len(c) for c in captions)
    return _encode_per_image(
        captions, info.extra["tokens"], info.extra["caption_length"], per_image
    )


def read_captions_file(root: Path) -> dict[str, list[str]]:
    path = root / CAPTIONS_FILE
    if not path.is_file():
        raise DataError(f"{root} has no {CAPTIONS_FILE} (lines of 'file name<TAB>caption')")
    captions: dict[str, list[str]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        name, tab, caption = line.partition("\t")
        if not tab or not caption.strip():
            raise DataError(f"{path}:{number}: expected 'file name<TAB>caption', got {line!r}")
        target = (root / name).resolve()
        if not target.is_relative_to(root.resolve()):
            raise DataError(f"{path}:{number}: {name!r} points outside {root}")
        if target.suffix.lower() not in IMAGE_SUFFIXES:
            raise DataError(f"{path}:{number}: {name!r} is not an image file name")
        captions.setdefault(name, []).append(caption.strip())
    if not captions:
        raise DataError(f"{path} lists no captions")
    return captions


class Captions(DatasetProvider):
    id = "captions"
    description = "captions:DIR, images plus DIR/captions.txt ('file<TAB>caption' lines)"
    kinds = (DataKind.CAPTIONED_IMAGES,)
    needs_argument = True

    def load(self, request: DataRequest) -> TensorData:
        choose_kind(self.id, self.kinds, request)
        path, options = path_and_options(self.id, request.argument, DEFAULTS)
        if not path:
            raise DataError("captions needs a folder: --data captions:DIR[,vocab=N,length=L]")
        check_token_options(self.id, options)
        root = Path(path).expanduser()
        if not root.is_dir():
            raise DataError(f"captions: {root} is not a folder")
        listed = read_captions_file(root)
        missing = [name for name in listed if not (root / name).is_file()]
        if missing:
            raise DataError(f"{root / CAPTIONS_FILE} names missing images, first: {missing[0]}")
        size = request.image_size or 32
        names = sorted(listed)
        images = to_tensor(
            read_all([root / n for n in names], size, "captioned"), request.channels or 3
        )
        all_captions = [listed[n] for n in names]
        words = build_vocabulary(
            [caption_words(c) for cs in all_captions for c in cs], options["vocab"]
        )
        preview = [cs[0] for cs in all_captions[:8]]
        spec = f"{self.id}:{request.argument}"
        if len(names) < 10:
            return captioned_data(
                spec, {"x": images}, all_captions, words, options["length"], preview
            )
        train, test = fixed_split(len(names), TEST_FRACTION)
        return captioned_data(
            spec,
            {"x": images[train]},
            [all_captions[i] for i in train.tolist()],
            words,
            options["length"],
            preview,
            test={"x": images[test]},
            test_captions=[all_captions[i] for i in test.tolist()],
        )


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_datasets() -> list[DatasetProvider]:
    return [Captions()]
