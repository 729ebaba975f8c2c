"""SeqGAN and token data: the oracle's recurrence, Monte-Carlo rewards, the training phases,
`text:` data, and the text metrics (BLEU, self-BLEU, NLL-oracle)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from torch import nn

import ganzoo
from conftest import invoke_zoo
from ganzoo.contracts import DataKind, DataRequest, Runtime
from ganzoo.data.oracle import (
    Oracle,
    load_oracle,
    nll_oracle,
    oracle_from_arrays,
    oracle_sequences,
    random_oracle,
)
from ganzoo.data.text import Text, decode, trim
from ganzoo.engine.batches import DeviceBatches
from ganzoo.errors import DataError
from ganzoo.metrics.text import bleu, self_bleu
from ganzoo.variants import build_config, load_data, variant_class
from ganzoo_seqgan import monte_carlo_rewards

TOKENS = DataRequest(kinds=(DataKind.TOKENS,))


def tiny_arrays(vocabulary=7, embedding=3, hidden=4, seed=0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = {"embedding": (vocabulary, embedding), "W_out": (hidden, vocabulary)}
    shapes["b_out"] = (vocabulary,)
    for gate in "ifoc":
        shapes |= {f"W_{gate}": (embedding, hidden), f"U_{gate}": (hidden, hidden)}
        shapes[f"b_{gate}"] = (hidden,)
    return {name: rng.standard_normal(shape).astype(np.float32) for name, shape in shapes.items()}


def numpy_log_likelihood(a: dict[str, np.ndarray], tokens: np.ndarray) -> np.ndarray:
    """The data README's recurrence, written out directly."""

    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

    out = np.zeros(tokens.shape)
    for row, sequence in enumerate(tokens):
        h = np.zeros(a["U_i"].shape[0])
        c = np.zeros_like(h)
        previous = 0
        for t, token in enumerate(sequence):
            x = a["embedding"][previous]
            i = sigmoid(x @ a["W_i"] + h @ a["U_i"] + a["b_i"])
            f = sigmoid(x @ a["W_f"] + h @ a["U_f"] + a["b_f"])
            o = sigmoid(x @ a["W_o"] + h @ a["U_o"] + a["b_o"])
            g = np.tanh(x @ a["W_c"] + h @ a["U_c"] + a["b_c"])
            c = f * c + i * g
            h = o * np.tanh(c)
            logits = h @ a["W_out"] + a["b_out"]
            logits = logits - logits.max()
            out[row, t] = logits[token] - np.log(np.exp(logits).sum())
            previous = token
    return out


def test_oracle_recurrence_matches_numpy(tmp_path):
    arrays = tiny_arrays()
    tokens = np.random.default_rng(1).integers(0, 7, size=(5, 6))
    expected = numpy_log_likelihood(arrays, tokens)
    np.savez(tmp_path / "oracle.npz", **arrays)
    oracle = load_oracle(str(tmp_path / "oracle.npz"))
    got = oracle.log_likelihood(torch.from_numpy(tokens)).double().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    assert nll_oracle(oracle, torch.from_numpy(tokens)) == pytest.approx(-expected.mean(), rel=1e-5)


def test_oracle_file_errors_are_one_line(tmp_path):
    arrays = tiny_arrays()
    del arrays["U_f"]
    np.savez(tmp_path / "partial.npz", **arrays)
    with pytest.raises(DataError, match="missing: U_f"):
        load_oracle(str(tmp_path / "partial.npz"))
    np.savez(tmp_path / "pickled.npz", embedding=np.array([{"a": 1}], dtype=object))
    with pytest.raises(DataError, match=r"not a numpy \.npz"):
        load_oracle(str(tmp_path / "pickled.npz"))
    with pytest.raises(DataError, match="does not exist"):
        load_oracle(str(tmp_path / "absent.npz"))


def test_fresh_oracle_data_and_its_own_likelihood():
    data = Oracle().load(
        DataRequest(kinds=(DataKind.TOKENS,), argument="seed=3,samples=64,test=32")
    )
    assert data.train["x"].shape == (64, 20) and data.test["x"].shape == (32, 20)
    assert data.train["x"].max() < 5000
    oracle = random_oracle(3)
    own = nll_oracle(oracle, data.test["x"])
    uniform = nll_oracle(oracle, torch.randint(5000, (32, 20)))
    assert own < uniform - 2  # its own sequences are far likelier than uniform noise
    again = oracle_sequences(None, 3, 96)
    assert torch.equal(again[:64], data.train["x"])


def test_building_an_oracle_leaves_the_random_stream_alone():
    """A run seeds torch, then loads its data: a fresh oracle built then must not move the
    stream, or the first run in a process would start from other networks than the next."""
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    random_oracle.__wrapped__(11)
    assert torch.equal(torch.rand(3), expected)


class FirstTokenIsEven(nn.Module):
    """A 'discriminator' that only looks at the first token: realness 1 when it is even."""

    def forward(self, tokens):
        return torch.where(tokens[:, 0] % 2 == 0, 30.0, -30.0)


def test_rollout_rewards_shape_range_and_kept_prefixes():
    torch.manual_seed(0)
    policy = oracle_from_arrays(tiny_arrays(vocabulary=9), length=8)
    sequences = policy.sample(6)
    rewards = monte_carlo_rewards(policy, FirstTokenIsEven(), sequences, rollouts=4, chunk=5)
    assert rewards.shape == (6, 8)
    assert rewards.min() >= 0 and rewards.max() <= 1
    # every completion keeps its prefix (which includes the first token)
    even = (sequences[:, 0] % 2 == 0).float()
    assert torch.allclose(rewards, even[:, None].expand(6, 8), atol=1e-6)


def test_rollout_rewards_average_over_completions():
    policy = oracle_from_arrays(tiny_arrays(vocabulary=9), length=6)
    sequences = policy.sample(3)

    class LastTokenIsEven(nn.Module):
        def forward(self, tokens):
            return torch.where(tokens[:, -1] % 2 == 0, 30.0, -30.0)

    rewards = monte_carlo_rewards(policy, LastTokenIsEven(), sequences, rollouts=64)
    # the last token's reward is exact; earlier ones are fractions of 64 completions
    assert torch.allclose(rewards[:, -1], (sequences[:, -1] % 2 == 0).float(), atol=1e-6)
    fractions = rewards[:, :-1] * 64
    assert torch.allclose(fractions, fractions.round(), atol=1e-4)
    assert 0 < rewards[:, :-1].mean() < 1


def seqgan(settings=None):
    cls = variant_class("seqgan")
    config = build_config(cls, {**cls.quick_settings, **(settings or {})})
    data = load_data("oracle:samples=64,test=16", cls, config, 0)
    model = cls(config, data.info, Runtime(torch.device("cpu")))
    model.optimizers = model.build_optimizers()
    return model, DeviceBatches(data, 8, torch.device("cpu"), 0)


def test_phases_mle_then_discriminator_then_adversarial_rounds():
    torch.manual_seed(0)
    model, batches = seqgan({"mle_steps": 1, "d_pretrain_steps": 1, "rollouts": 3, "d_steps": 2})
    assert set(model.train_step(batches, 0)) == {"mle_loss"}
    assert set(model.train_step(batches, 1)) == {"d_loss"}
    before = [p.clone() for p in model.networks["generator"].parameters()]
    losses = model.train_step(batches, 2)
    assert set(losses) == {"g_loss", "d_loss", "reward"}
    assert all(math.isfinite(float(v)) for v in losses.values())
    assert 0 <= float(losses["reward"]) <= 1
    # policy steps have an Adam of their own (the paper's code): MLE's moments stay behind
    mle_steps = {int(v["step"]) for v in model.optimizers["generator"].state.values()}
    policy_steps = {int(v["step"]) for v in model.optimizers["policy"].state.values()}
    assert mle_steps == {1} and policy_steps == {1}
    # the rollout network started from G and now trails it: 0.8 of the old, 0.2 of the new
    for old, new, rolled in zip(
        before,
        model.networks["generator"].parameters(),
        model.rollout.shadow.parameters(),
        strict=True,
    ):
        assert torch.allclose(rolled, 0.8 * old + 0.2 * new, atol=1e-6)


def test_paper_discriminator_has_twelve_widths_and_1720_filters():
    model, _ = seqgan({"discriminator": "paper"})
    convolutions = model.networks["discriminator"].convolutions
    assert len(convolutions) == 12
    assert sum(conv.out_channels for conv in convolutions) == 1720


def test_text_data_round_trip(tmp_path):
    corpus = tmp_path / "corpus.txt"
    lines = ["the cat sat", "a dog ran far", "", "the dog sat"]
    corpus.write_text("\n".join(lines), encoding="utf-8")
    words = Text().load(
        DataRequest(kinds=(DataKind.TOKENS,), argument=f"{corpus},level=word,length=6")
    )
    assert words.info.shape == (6,)
    assert decode(words.train["x"], words.info) == [line for line in lines if line]
    chars = Text().load(DataRequest(kinds=(DataKind.TOKENS,), argument=f"{corpus},length=20"))
    assert decode(chars.train["x"], chars.info) == [line for line in lines if line]
    capped = Text().load(
        DataRequest(kinds=(DataKind.TOKENS,), argument=f"{corpus},level=word,vocab=5,length=3")
    )
    # three specials + the two most frequent words (dog, sat); lines cut to 2 tokens + <end>
    assert decode(capped.train["x"], capped.info) == [
        "<unk> <unk>", "<unk> dog", "<unk> dog"
    ]  # fmt: skip
    assert trim(capped.train["x"], capped.info)[1] == [2, 3]


def test_text_data_errors(tmp_path):
    with pytest.raises(DataError, match="cannot read"):
        Text().load(DataRequest(kinds=(DataKind.TOKENS,), argument=str(tmp_path / "absent.txt")))
    (tmp_path / "empty.txt").write_text("\n\n")
    with pytest.raises(DataError, match="no non-empty lines"):
        Text().load(DataRequest(kinds=(DataKind.TOKENS,), argument=str(tmp_path / "empty.txt")))
    with pytest.raises(DataError, match="level must be"):
        Text().load(DataRequest(kinds=(DataKind.TOKENS,), argument=f"{tmp_path}/x.txt,level=byte"))


# Values from NLTK 3.10.4's sentence_bleu with SmoothingFunction().method1, uniform weights.
HYPOTHESES = [[1, 2, 3, 4], [1, 2, 2, 5, 6], [7, 8]]
REFERENCES = [[1, 2, 3, 5], [2, 2, 5, 6, 1], [9, 9, 9]]


def test_bleu_matches_nltk_with_smoothing_method_1():
    scores = bleu(HYPOTHESES, REFERENCES, max_n=3).by_order
    assert scores[2] == pytest.approx(0.5690355937288492, rel=1e-12)
    assert scores[3] == pytest.approx(0.5011803298945785, rel=1e-12)


def test_self_bleu_leaves_each_sample_out():
    assert self_bleu([[1, 2, 3], [1, 2, 3]]).by_order[3] == pytest.approx(1.0)
    distinct = self_bleu([[1, 2, 3], [4, 5, 6], [7, 8, 9]]).by_order[2]
    assert distinct < 0.05
    scores = self_bleu(HYPOTHESES, max_n=3).by_order
    assert scores[2] == pytest.approx(0.21139061810588564, rel=1e-12)
    assert scores[3] == pytest.approx(0.10242476026120213, rel=1e-12)


def test_seqgan_cli_train_sample_eval(tmp_path):
    run = tmp_path / "run"
    trained = invoke_zoo(
        "train", "seqgan", "--data", "oracle:samples=64,test=64", "--steps", "3", "--batch-size",
        "8", "--device", "cpu", "--out", str(run), "--set", "mle_steps=1", "--set",
        "d_pretrain_steps=1", "--set", "rollouts=2", "--set", "d_steps=1", "--sample-every", "0",
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert len((run / "samples" / "step-00000003.txt").read_text().splitlines()) == 64
    printed = invoke_zoo("sample", str(run), "-n", "5")
    lines = printed.stdout.strip().splitlines()
    assert len(lines) == 5 and all(len(line.split()) == 20 for line in lines)
    evaluated = invoke_zoo("eval", str(run), "-n", "64", "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    scores = json.loads(evaluated.stdout)["scores"]
    assert set(scores) == {"nll-oracle", "bleu", "self-bleu"}
    assert scores["nll-oracle"]["nll_oracle_real"] < scores["nll-oracle"]["nll_oracle"]


def test_training_on_a_text_file(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(f"line {i % 7} of the corpus" for i in range(40)))
    run = ganzoo.train(
        "seqgan", data=f"text:{corpus},level=word,length=6", steps=2, batch_size=8,
        device="cpu", out=tmp_path / "run", progress=False, mle_steps=1, d_pretrain_steps=1,
    )  # fmt: skip
    text = (run / "samples" / "step-00000002.txt").read_text().splitlines()
    assert len(text) == 64 and all(len(line.split()) <= 6 for line in text)
    bad = invoke_zoo(
        "train", "seqgan", "--data", f"text:{tmp_path}/absent.txt", "--out", str(run / "x")
    )
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def test_api_trains_seqgan_on_fresh_oracle(tmp_path):
    run = ganzoo.train(
        "seqgan", data="oracle:samples=64,test=16", steps=2, batch_size=8, device="cpu",
        out=tmp_path / "run", progress=False, sample_every=0, mle_steps=2,
    )  # fmt: skip
    assert (run / "generator.safetensors").exists()


def test_eval_monitor_refuses_a_metric_the_data_cannot_give(tmp_path):
    from ganzoo.engine.monitor import EvalMonitor
    from ganzoo.errors import ConfigError

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("a b\nc d\n")
    text = Text().load(DataRequest(kinds=(DataKind.TOKENS,), argument=str(corpus)))
    with pytest.raises(ConfigError, match="needs oracle data"):
        EvalMonitor(text, "nll_oracle", 10)
    digits = load_data("digits", variant_class("dcgan"), None, 0)
    with pytest.raises(ConfigError, match="does not apply to"):
        EvalMonitor(digits, "bleu2", 10)
    EvalMonitor(text, "bleu2", 10)
