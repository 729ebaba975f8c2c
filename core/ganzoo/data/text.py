"""`text:PATH`: a plain-text file, one sequence per non-empty line, as fixed-length tokens.

Options after the path: `text:corpus.txt,level=word,vocab=5000,length=32`. Characters or
whitespace-separated words; the `vocab` most frequent tokens are kept (the rest become <unk>);
every line ends with <end> and is padded with <pad> (or cut) to `length` tokens.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import torch
from torch import Tensor

from ganzoo.contracts import DataInfo, DataKind, DataRequest, DatasetProvider, TensorData
from ganzoo.data.common import choose_kind, fixed_split, path_and_options
from ganzoo.errors import DataError
from ganzoo.hookspecs import PLUGIN_API_VERSION, hookimpl

PAD, END, UNKNOWN = "<pad>", "<end>", "<unk>"
SPECIALS = (PAD, END, UNKNOWN)
DEFAULTS = {"level": "char", "vocab": 5000, "length": 32}
TEST_FRACTION = 0.1


def split_tokens(line: str, level: str) -> list[str]:
    return list(line) if level == "char" else line.split()


def build_vocabulary(lines: list[list[str]], cap: int) -> list[str]:
    counts = Counter(token for line in lines for token in line)
    kept = sorted(counts, key=lambda token: (-counts[token], token))[: max(0, cap - len(SPECIALS))]
    return [*SPECIALS, *kept]


def encode(lines: list[list[str]], vocabulary: list[str], length: int) -> Tensor:
    index = {token: i for i, token in enumerate(vocabulary)}
    unknown, pad, end = index[UNKNOWN], index[PAD], index[END]
    rows = []
    for line in lines:
        ids = [*[index.get(token, unknown) for token in line][: length - 1], end]
        rows.append(ids + [pad] * (length - len(ids)))
    return torch.tensor(rows, dtype=torch.long)


def trim(tokens: Tensor, info: DataInfo) -> list[list[int]]:
    """Token ids per sequence up to <end> (text data) or whole (oracle data)."""
    rows = tokens.tolist()
    vocabulary = info.extra.get("tokens")
    if vocabulary is None:
        return rows
    end, pad = vocabulary.index(END), vocabulary.index(PAD)
    trimmed = []
    for row in rows:
        cut = row.index(end) if end in row else len(row)
        trimmed.append([token for token in row[:cut] if token != pad])
    return trimmed


def decode(tokens: Tensor, info: DataInfo) -> list[str]:
    """Readable lines: text up to <end> for `text:` data, token numbers otherwise."""
    vocabulary = info.extra.get("tokens")
    if vocabulary is None:
        return [" ".join(map(str, row)) for row in trim(tokens, info)]
    joiner = "" if info.extra.get("level") == "char" else " "
    return [joiner.join(vocabulary[token] for token in row) for row in trim(tokens, info)]


def _parse(argument: str | None) -> tuple[Path, dict]:
    path, options = path_and_options("text", argument, DEFAULTS)
    if not path:
        raise DataError("text needs a file: --data text:PATH[,level=word,vocab=N,length=L]")
    if options["level"] not in ("char", "word"):
        raise DataError(f"text: level must be char or word, not {options['level']!r}")
    check_token_options("text", options)
    return Path(path).expanduser(), options


def check_token_options(provider_id: str, options: dict) -> None:
    """`length` and `vocab` leave room for a token besides <end> and the special tokens."""
    if options["length"] < 2 or options["vocab"] < len(SPECIALS) + 1:
        raise DataError(f"{provider_id}: length must be at least 2 and vocab at least 4")


class Text(DatasetProvider):
    id = "text"
    description = "text:PATH, one sequence per line; ,level=char|word,vocab=N,length=L"
    kinds = (DataKind.TOKENS,)
    needs_argument = True

    def load(self, request: DataRequest) -> TensorData:
        choose_kind(self.id, self.kinds, request)
        path, options = _parse(request.argument)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise DataError(f"cannot read {path} as UTF-8 text: {err}") from None
        lines = [split_tokens(line.strip(), options["level"]) for line in text.splitlines()]
        lines = [line for line in lines if line]
        if not lines:
            raise DataError(f"{path} has no non-empty lines")
        vocabulary = build_vocabulary(lines, options["vocab"])
        tokens = encode(lines, vocabulary, options["length"])
        train, test = fixed_split(len(tokens), TEST_FRACTION) if len(tokens) >= 10 else (None, None)
        info = DataInfo(
            spec=f"{self.id}:{request.argument}",
            kind=DataKind.TOKENS,
            shape=(options["length"],),
            extra={
                "tokens": vocabulary,
                "level": options["level"],
                "vocabulary_size": len(vocabulary),
                "start_token": vocabulary.index(END),
            },
        )
        if train is None:
            return TensorData(train={"x": tokens}, info=info)
        return TensorData(train={"x": tokens[train]}, test={"x": tokens[test]}, info=info)


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_datasets() -> list[DatasetProvider]:
    return [Text()]
