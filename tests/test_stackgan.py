"""StackGAN and captioned data: conditioning augmentation's KL, the matching-aware
discriminator's three cases, caption coverage of every attribute, each training stage, the
`captions:` folder format and `zoo sample --text`."""

from __future__ import annotations

import json
import random
import zlib

import pytest
import torch
from torch import nn

import ganzoo
from conftest import invoke_zoo
from ganzoo.contracts import DataKind, DataRequest, Runtime
from ganzoo.data.captions import Captions, caption_words, encode_text
from ganzoo.data.shapes import (
    ATTRIBUTES,
    COLOURS,
    HELD_OUT,
    SHAPE_WORDS,
    SHAPES,
    SIZE_WORDS,
    WHERE,
    ShapesCaptions,
    caption_for,
    combinations,
    vocabulary_words,
)
from ganzoo.data.text import decode
from ganzoo.errors import ConfigError, DataError
from ganzoo.variants import build_config, load_data, variant_class
from ganzoo_stackgan import ConditioningAugmentation, kl_to_standard_normal

CAPTIONED = DataRequest(kinds=(DataKind.CAPTIONED_IMAGES,))
SMALL = "shapes-captions:n=128,captions=3"


def build(settings: dict | None = None, spec: str = SMALL):
    cls = variant_class("stackgan")
    config = build_config(cls, {**cls.quick_settings, **(settings or {})})
    data = load_data(spec, cls, config, seed=0)
    torch.manual_seed(0)
    model = cls(config, data.info, Runtime(torch.device("cpu")))
    model.optimizers = model.build_optimizers()
    return model, data


def batch_of(data, n: int = 16) -> dict[str, torch.Tensor]:
    return {key: value[:n] for key, value in data.train.items()}


def test_kl_term_matches_the_closed_form():
    torch.manual_seed(0)
    mean, log_variance = torch.randn(5, 3), torch.randn(5, 3)
    q = torch.distributions.Normal(mean, (0.5 * log_variance).exp())
    p = torch.distributions.Normal(torch.zeros(3), torch.ones(3))
    expected = torch.distributions.kl_divergence(q, p).sum(dim=1).mean()
    assert torch.allclose(kl_to_standard_normal(mean, log_variance), expected, atol=1e-6)
    assert float(kl_to_standard_normal(torch.zeros(2, 3), torch.zeros(2, 3))) == 0.0


def test_conditioning_augmentation_samples_around_the_mean():
    augment = ConditioningAugmentation(4, 2)
    embedding = torch.randn(3, 4)
    mean, log_variance = augment.moments(embedding).chunk(2, dim=1)
    eps = torch.randn(3, 2)
    condition, kl = augment(embedding, eps)
    assert torch.allclose(condition, mean + (0.5 * log_variance).exp() * eps)
    assert torch.allclose(augment(embedding, torch.zeros(3, 2))[0], mean)
    assert kl > 0


class Recording(nn.Module):
    """Wraps a discriminator and records which images and conditions it is shown."""

    def __init__(self, inner: nn.Module):
        super().__init__()
        self.inner = inner
        self.calls: list[tuple[torch.Tensor, torch.Tensor]] = []

    def forward(self, x, condition):
        self.calls.append((x.detach().clone(), condition.detach().clone()))
        return self.inner(x, condition)


@pytest.mark.parametrize("mismatched", [True, False])
def test_discriminator_sees_the_three_cases_in_one_step(mismatched):
    model, data = build({"mismatched": mismatched, "encoder_steps": 0})
    recorder = Recording(model.networks["stage1_discriminator"])
    model.stage1_discriminator = recorder
    batch = batch_of(data)
    losses = model._stage_step(1, batch)
    assert all(torch.isfinite(v) for v in losses.values())
    d_calls, g_call = recorder.calls[:-1], recorder.calls[-1]
    (real, condition), (fake, fake_condition) = d_calls[:2]
    assert torch.equal(fake_condition, condition)  # generated images with their own captions
    assert not torch.equal(fake, real)
    assert torch.equal(g_call[1], condition)  # G is judged against the same captions
    if mismatched:
        wrong_images, wrong = d_calls[2]
        assert len(d_calls) == 3
        assert torch.equal(wrong_images, real)  # real images...
        assert torch.equal(wrong, condition.roll(1, dims=0))  # ...with another image's caption
        assert not torch.equal(wrong, condition)
    else:
        assert len(d_calls) == 2


@pytest.mark.parametrize(("fusion", "first_layer_inputs"), [("input", 3 + 4), ("features", 3)])
def test_joint_discriminator_fuses_the_caption_where_asked(fusion, first_layer_inputs):
    from ganzoo.nn.matching import MatchingDiscriminator

    torch.manual_seed(0)
    D = MatchingDiscriminator(16, 3, 4, "joint", width=8, fusion=fusion).eval()
    first = next(m for m in D.body.modules() if isinstance(m, nn.Conv2d))
    assert first.in_channels == first_layer_inputs  # features: the trunk never sees the caption
    x, caption = torch.randn(6, 3, 16, 16), torch.randn(6, 4)
    score, match = D(x, caption)
    assert score.shape == (6,) and match is None
    assert not torch.allclose(score, D(x, -caption)[0])  # the score depends on the caption
    score.sum().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in D.parameters())


def test_joint_loss_counts_mismatched_pairs_as_negatives():
    from ganzoo.algorithms import matching
    from ganzoo.losses import adversarial_loss

    class Scores(nn.Module):
        """Scores 2 for real images with their captions, -1 for anything else."""

        def forward(self, x, condition):
            matched = (x[:, 0, 0, 0] > 0) & (condition[:, 0] > 0)
            return torch.where(matched, 2.0, -1.0), None

    loss = adversarial_loss("non-saturating")
    real, fake = torch.ones(4, 1, 2, 2), -torch.ones(4, 1, 2, 2)
    condition, wrong = torch.ones(4, 3), -torch.ones(4, 3)
    with_wrong = matching.discriminator_loss(Scores(), loss, real, fake, condition, wrong, "joint")
    without = matching.discriminator_loss(Scores(), loss, real, fake, condition, None, "joint")
    softplus = nn.functional.softplus
    expected = softplus(torch.tensor(-2.0)) + softplus(torch.tensor(-1.0))
    assert torch.allclose(with_wrong, expected) and torch.allclose(without, expected)
    assert Scores()(real, wrong)[0].eq(-1).all()  # the mismatched pair scores as a negative


def test_closest_mismatch_differs_in_the_fewest_attributes():
    from ganzoo.algorithms.matching import closest_mismatches

    attributes = torch.tensor(
        [
            [0, 0, 0, 0],
            [0, 0, 0, 0],  # the same combination as sample 0: never its wrong caption
            [0, 1, 0, 0],  # one attribute from samples 0 and 1
            [2, 3, 1, 4],
            [2, 3, 1, 2],
        ]
    )
    for seed in range(5):
        tie_break = torch.rand(5, 5, generator=torch.Generator().manual_seed(seed))
        wrong = closest_mismatches(attributes, tie_break)
        assert wrong[:2].tolist() == [2, 2] and wrong[3:].tolist() == [4, 3]
        assert wrong[2].item() in (0, 1)  # a tie, broken by the noise
    ties = {closest_mismatches(attributes, torch.rand(5, 5))[2].item() for _ in range(50)}
    assert ties == {0, 1}
    alike = torch.zeros(3, 4, dtype=torch.long)  # nothing differs: the neighbour's caption
    assert closest_mismatches(alike, torch.rand(3, 3)).tolist() == [2, 0, 1]


def test_closest_mismatch_trains_and_needs_attributes(tmp_path):
    model, data = build({"mismatch": "closest", "encoder_steps": 0})
    recorder = Recording(model.networks["stage1_discriminator"])
    model.stage1_discriminator = recorder
    batch = batch_of(data)
    assert all(torch.isfinite(v) for v in model._stage_step(1, batch).values())
    (_, condition), _, (_, wrong) = recorder.calls[:3]
    captions = {tuple(row.tolist()): i for i, row in enumerate(condition)}
    partner = torch.tensor([captions[tuple(row.tolist())] for row in wrong])
    attributes = batch["attributes"]
    pairwise = (attributes[:, None] != attributes[None]).sum(2)
    fewest = pairwise.masked_fill(pairwise == 0, 99).min(1).values
    assert torch.equal(pairwise[torch.arange(len(partner)), partner], fewest)
    write_caption_folder(tmp_path / "set", [f"{i}.png\ta red square {i}" for i in range(12)])
    with pytest.raises(ConfigError, match="mismatch=closest needs data with attributes"):
        build({"mismatch": "closest"}, spec=f"captions:{tmp_path / 'set'}")
    with pytest.raises(ConfigError, match="mismatched=false has none"):
        build({"mismatch": "closest", "mismatched": False})


def test_captions_cover_every_attribute_value():
    rng = random.Random(0)
    seen = {name: set() for name in ATTRIBUTES}
    words = set(vocabulary_words())
    for combo in combinations(None):
        text = caption_for(combo, rng)
        assert set(caption_words(text)) <= words
        shape, colour, size, position = (
            ATTRIBUTES[k][i] for k, i in zip(ATTRIBUTES, combo, strict=True)
        )
        assert any(w in text for w in SHAPE_WORDS[shape])
        assert colour in text
        assert any(w in text for w in SIZE_WORDS[size])
        assert any(w in text for w in WHERE[position])
        for name, value in zip(ATTRIBUTES, combo, strict=True):
            seen[name].add(value)
    assert {k: len(v) for k, v in seen.items()} == {k: len(v) for k, v in ATTRIBUTES.items()}
    assert len(SHAPES) >= 3 and len(COLOURS) >= 6


def test_training_set_covers_every_value_and_never_a_held_out_pair():
    data = ShapesCaptions().load(CAPTIONED)
    attributes = data.train["attributes"]
    for column, values in enumerate(ATTRIBUTES.values()):
        assert set(attributes[:, column].tolist()) == set(range(len(values)))
    pairs = {(SHAPES[s], ATTRIBUTES["colour"][c]) for s, c in attributes[:, :2].tolist()}
    assert not pairs & HELD_OUT
    assert data.train["captions"].shape == (10000, 5, 16)
    assert data.train["x"].shape == (10000, 3, 32, 32)
    assert float(data.train["x"].min()) >= -1 and float(data.train["x"].max()) <= 1
    texts = decode(data.train["captions"][0], data.info)
    assert len(set(texts)) > 1  # paraphrases, not one caption five times
    assert "<unk>" not in " ".join(decode(data.train["captions"][:200, 0], data.info))


def test_each_stage_trains_in_turn(tmp_path):
    run = ganzoo.train(
        "stackgan", data=SMALL, steps=3, out=tmp_path / "run", device="cpu", progress=False,
        batch_size=16, sample_every=0, log_every=1, **variant_class("stackgan").quick_settings,
    )  # fmt: skip
    lines = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert set(lines[0]) >= {"match_loss"} and "kl" not in lines[0]
    for line in lines[1:]:
        assert {"d_loss", "g_loss", "kl"} <= set(line)
        assert all(torch.isfinite(torch.tensor(line[k])) for k in ("d_loss", "g_loss", "kl"))
    model = ganzoo.load(run, device="cpu")
    assert int(model.networks["stage2"].trained_steps) == 1
    assert (run / "samples" / "step-00000003.png").exists()


def test_stage_one_stays_fixed_while_stage_two_learns():
    model, data = build({"encoder_steps": 0, "stage1_steps": 0})
    before = {k: v.clone() for k, v in model.networks["stage1"].state_dict().items()}
    stage2_before = [p.clone() for p in model.networks["stage2"].parameters()]
    model.train_step(lambda: batch_of(data), step=0)
    after = model.networks["stage1"].state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # BN statistics included
    assert any(
        not torch.equal(a, b)
        for a, b in zip(stage2_before, model.networks["stage2"].parameters(), strict=True)
    )


def test_sampling_before_stage_two_gives_stage_one_upsampled():
    model, _ = build()
    captions = encode_text(["a big red circle in the centre"] * 2, model.data)
    low, high = model.stages(2, captions, seed=3)
    assert low.shape == high.shape == (2, 3, 32, 32)
    assert torch.equal(model.sample(2, labels=captions, seed=3), low)
    model.networks["stage2"].trained_steps += 1
    assert torch.equal(model.sample(2, labels=captions, seed=3), high)
    with pytest.raises(ConfigError, match="captions"):
        model.sample(2, labels=torch.tensor([1, 2]))


def test_unknown_words_are_refused():
    model, _ = build()
    with pytest.raises(ConfigError, match="hexagon"):
        encode_text(["a purple hexagon"], model.data)


def write_caption_folder(root, lines: list[str]) -> None:
    from PIL import Image

    root.mkdir()
    for index in range(12):
        Image.new("RGB", (20, 20), (index * 20, 0, 0)).save(root / f"{index}.png")
    (root / "captions.txt").write_text("\n".join(lines) + "\n")


def test_caption_folder_round_trip(tmp_path):
    lines = [f"{i}.png\tA red square, number {i}" for i in range(12)] + ["0.png\tthe first one"]
    write_caption_folder(tmp_path / "set", lines)
    data = Captions().load(
        DataRequest(
            kinds=(DataKind.CAPTIONED_IMAGES,), argument=f"{tmp_path / 'set'}", image_size=16
        )
    )
    assert data.train["x"].shape[1:] == data.test["x"].shape[1:] == (3, 16, 16)
    assert data.train["captions"].shape[1:] == data.test["captions"].shape[1:] == (2, 24)
    both = torch.cat([data.train["captions"], data.test["captions"]])
    texts = decode(both.flatten(0, 1), data.info)
    assert "the first one" in texts  # image 0's second caption; the others repeat their one
    assert sum(t.startswith("a red square , number") for t in texts) == 12 * 2 - 1


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["../outside.png\tescape"], "outside"),
        (["0.png no tab here"], "TAB"),
        (["missing.png\ta caption"], "missing"),
    ],
)
def test_caption_folder_errors(tmp_path, lines, message):
    write_caption_folder(tmp_path / "set", lines)
    with pytest.raises(DataError, match=message):
        Captions().load(
            DataRequest(kinds=(DataKind.CAPTIONED_IMAGES,), argument=str(tmp_path / "set"))
        )


def test_sample_command_draws_a_row_per_caption(tmp_path):
    run = ganzoo.train(
        "stackgan", data=SMALL, steps=3, out=tmp_path / "run", device="cpu", progress=False,
        batch_size=16, sample_every=0, **variant_class("stackgan").quick_settings,
    )  # fmt: skip
    grid = tmp_path / "grid.png"
    done = invoke_zoo(
        "sample", "stackgan", str(run), "--text", "a big blue square", "--text",
        "top-left: little red disc", "-n", "3", "-o", str(grid),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    from PIL import Image

    with Image.open(grid) as image:
        width, height = image.size
    assert width > height  # 2 rows of 3
    wrong = invoke_zoo("sample", "cgan", str(run), "--text", "a big blue square")
    assert wrong.returncode == 2 and "holds a stackgan model" in wrong.stderr
    unknown = invoke_zoo("sample", str(run), "--text", "a purple hexagon")
    assert unknown.returncode == 2 and "hexagon" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1


class FixedSentences:
    """A stand-in for an installed pretrained sentence encoder: a hash of each caption."""

    dim = 6

    def encode(self, captions: list[str]) -> torch.Tensor:
        rows = [torch.Generator().manual_seed(zlib.crc32(c.encode())) for c in captions]
        return torch.stack([torch.randn(self.dim, generator=g) for g in rows])


def test_an_installed_sentence_encoder_replaces_the_zoo_one(monkeypatch):
    import ganzoo.nn.captions as captions_module

    class EntryPoint:
        name = "fixed"

        def load(self):
            return FixedSentences

    monkeypatch.setattr(captions_module, "entry_points", lambda group: [EntryPoint()])
    model, data = build({"text_encoder": "fixed"})
    assert "text_encoder" not in model.networks and "encoder" not in model.optimizers
    assert model.config.embedding_dim == FixedSentences.dim
    losses = model.train_step(lambda: batch_of(data), step=0)  # no encoder phase: stage I
    assert {"d_loss", "g_loss", "kl"} <= set(losses)
    with pytest.raises(ConfigError, match="no sentence encoder of that name"):
        build({"text_encoder": "missing"})
