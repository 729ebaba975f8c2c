"""`oracle`: SeqGAN's synthetic benchmark. An oracle LSTM (vocabulary 5,000, embedding and
hidden 32, length 20) writes the training sequences and scores samples (NLL-oracle).

`oracle:PATH.npz` loads the original paper's oracle (`../shared/data/seqgan-oracle.npz`, plain
float32 arrays, read with `allow_pickle=False`); `oracle` or `oracle:seed=N` draws a fresh oracle
with every parameter N(0, 1), as the paper's was drawn.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from ganzoo.contracts import DataInfo, DataKind, DataRequest, DatasetProvider, TensorData
from ganzoo.data.common import choose_kind, path_and_options
from ganzoo.errors import DataError
from ganzoo.hookspecs import PLUGIN_API_VERSION, hookimpl
from ganzoo.nn.sequence import LSTMLanguageModel

VOCABULARY, EMBEDDING, HIDDEN, LENGTH, START_TOKEN = 5000, 32, 32, 20, 0
PAPER_ORACLE_SHA256 = "4f1a3c02bcce12b528caa4f38505393ab6d276c8501b18539b69023e34c433d4"
GATES = ("i", "f", "c", "o")  # torch's LSTM packs input, forget, cell, output gates in this order
PAPER_ARRAY_SHAPES = {
    "embedding": (VOCABULARY, EMBEDDING),
    **{f"W_{g}": (EMBEDDING, HIDDEN) for g in GATES},
    **{f"U_{g}": (HIDDEN, HIDDEN) for g in GATES},
    **{f"b_{g}": (HIDDEN,) for g in GATES},
    "W_out": (HIDDEN, VOCABULARY),
    "b_out": (VOCABULARY,),
}
DEFAULTS = {"seed": 0, "samples": 10000, "test": 2000}


def oracle_from_arrays(
    arrays: dict[str, np.ndarray], length: int = LENGTH, start_token: int = START_TOKEN
) -> LSTMLanguageModel:
    """The recurrence of the data README (x W + h U + b per gate) as a torch LSTM; sizes are
    read from the arrays (the paper's: vocabulary 5,000, embedding and hidden 32)."""
    missing = [name for name in PAPER_ARRAY_SHAPES if name not in arrays]
    if missing:
        raise DataError(f"oracle arrays missing: {', '.join(missing)}")
    vocabulary, embedding = arrays["embedding"].shape
    hidden = arrays["U_i"].shape[0]
    expected = {
        "embedding": (vocabulary, embedding),
        **{f"W_{g}": (embedding, hidden) for g in GATES},
        **{f"U_{g}": (hidden, hidden) for g in GATES},
        **{f"b_{g}": (hidden,) for g in GATES},
        "W_out": (hidden, vocabulary),
        "b_out": (vocabulary,),
    }
    for name, shape in expected.items():
        if tuple(arrays[name].shape) != shape:
            raise DataError(f"oracle array {name!r} has shape {arrays[name].shape}, not {shape}")
    t = {name: torch.from_numpy(np.asarray(arrays[name], dtype=np.float32)) for name in expected}
    # the module's own initialisation is overwritten below; it must not draw from the caller's
    # random stream, or a run's networks would depend on whether the oracle was cached already
    with torch.random.fork_rng(devices=[]):
        model = LSTMLanguageModel(vocabulary, embedding, hidden, length, start_token)
    with torch.no_grad():
        model.embedding.weight.copy_(t["embedding"])
        model.lstm.weight_ih_l0.copy_(torch.cat([t[f"W_{g}"].T for g in GATES]))
        model.lstm.weight_hh_l0.copy_(torch.cat([t[f"U_{g}"].T for g in GATES]))
        model.lstm.bias_ih_l0.copy_(torch.cat([t[f"b_{g}"] for g in GATES]))
        model.lstm.bias_hh_l0.zero_()
        model.output.weight.copy_(t["W_out"].T)
        model.output.bias.copy_(t["b_out"])
    return model.eval().requires_grad_(False)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@lru_cache(maxsize=4)
def load_oracle(path: str) -> LSTMLanguageModel:
    file = Path(path)
    if not file.is_file():
        raise DataError(f"oracle file {path} does not exist (the paper's: ../shared/data/)")
    try:
        with np.load(file, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (OSError, ValueError) as err:
        raise DataError(f"{path} is not a numpy .npz of oracle arrays: {err}") from None
    return oracle_from_arrays(arrays)


@lru_cache(maxsize=4)
def random_oracle(seed: int) -> LSTMLanguageModel:
    rng = np.random.default_rng(seed)
    return oracle_from_arrays(
        {
            name: rng.standard_normal(shape, dtype=np.float32)
            for name, shape in PAPER_ARRAY_SHAPES.items()
        }
    )


def oracle_for(info: DataInfo) -> LSTMLanguageModel:
    """The oracle that wrote a dataset, rebuilt from what its DataInfo records."""
    if "oracle_seed" not in info.extra:
        raise DataError(f"{info.spec} has no oracle (NLL-oracle needs --data oracle[...])")
    path = info.extra.get("oracle_path")
    return load_oracle(path) if path else random_oracle(int(info.extra["oracle_seed"]))


@torch.no_grad()
def nll_oracle(oracle: LSTMLanguageModel, samples: torch.Tensor, chunk: int = 500) -> float:
    """Mean per-token negative log-likelihood (nats) of `samples` under the oracle."""
    oracle = oracle.to(samples.device)
    total = 0.0
    for part in samples.long().split(chunk):
        total += float(-oracle.log_likelihood(part).double().sum())
    return total / samples.numel()


@lru_cache(maxsize=4)
def oracle_sequences(path: str | None, seed: int, count: int) -> torch.Tensor:
    """`count` sequences the oracle writes from `seed` (cached: every run on a spec sees the
    same data, and tests build it once)."""
    oracle = load_oracle(path) if path else random_oracle(seed)
    return oracle.sample(count, torch.Generator().manual_seed(seed))


class Oracle(DatasetProvider):
    id = "oracle"
    description = (
        "SeqGAN's synthetic data: 10,000 length-20 sequences from an oracle LSTM (vocabulary "
        "5,000); oracle:PATH.npz for the paper's oracle, oracle:seed=N for a fresh one"
    )
    kinds = (DataKind.TOKENS,)

    def load(self, request: DataRequest) -> TensorData:
        choose_kind(self.id, self.kinds, request)
        path, options = path_and_options(self.id, request.argument, DEFAULTS)
        if path is not None:
            path = str(Path(path).expanduser().resolve())
        sequences = oracle_sequences(path, options["seed"], options["samples"] + options["test"])
        extra = {
            "oracle_seed": options["seed"],
            "oracle_path": path,
            "oracle_sha256": file_sha256(Path(path)) if path else None,
            "vocabulary_size": VOCABULARY,
            "start_token": START_TOKEN,
        }
        info = DataInfo(
            spec=self.id if not request.argument else f"{self.id}:{request.argument}",
            kind=DataKind.TOKENS,
            shape=(LENGTH,),
            extra=extra,
        )
        train, test = sequences[: options["samples"]], sequences[options["samples"] :]
        return TensorData(train={"x": train}, test={"x": test} if len(test) else {}, info=info)


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_datasets() -> list[DatasetProvider]:
    return [Oracle()]
