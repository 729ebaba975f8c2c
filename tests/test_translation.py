"""Image-to-image: the shared blocks, the digit tasks, folder validation, both variants and
`zoo translate`."""

import json

import pytest
import torch
from PIL import Image

import ganzoo
from conftest import invoke_zoo
from ganzoo.contracts import DataKind, DataRequest
from ganzoo.data.augment import jitter
from ganzoo.data.common import resize_images
from ganzoo.data.digit_tasks import (
    PEN_WEIGHT_SPREAD,
    DigitsEdges,
    DigitsStyles,
    ink,
    outline,
    pen_weights,
    restyle,
)
from ganzoo.data.digits import digit_images
from ganzoo.data.pairs import PairedFolder, UnpairedFolder
from ganzoo.errors import ConfigError, DataError
from ganzoo.nn.patchgan import PatchDiscriminator, receptive_field
from ganzoo.nn.replay import ReplayPool
from ganzoo.nn.resnet import ResNetGenerator
from ganzoo.nn.unet import UNetGenerator

QUIET = {"device": "cpu", "sample_every": 0, "checkpoint_every": 0, "progress": False}
SMALL = {"width": 8, "batch_size": 4}


@pytest.mark.parametrize(
    ("layers", "size", "patch", "side"),
    [(0, 32, 1, 32), (1, 32, 16, 14), (2, 32, 34, 6), (3, 32, 70, 2), (4, 64, 142, 2)],
)
def test_patchgan_output_map_and_receptive_field(layers, size, patch, side):
    d = PatchDiscriminator(2, layers, width=4, norm="none", image_size=size)
    assert d.patch == receptive_field(d.net) == patch
    assert d(torch.randn(3, 2, size, size)).shape == (3, 1, side, side)


@pytest.mark.parametrize("layers", [0, 1, 2])
def test_receptive_field_matches_the_pixels_an_output_depends_on(layers):
    d = PatchDiscriminator(1, layers, width=4, norm="none").double()
    x = torch.randn(1, 1, 96, 96, dtype=torch.float64, requires_grad=True)
    out = d(x)
    centre = out.shape[-1] // 2
    (grad,) = torch.autograd.grad(out[0, 0, centre, centre], x)
    rows = grad[0, 0].abs().sum(dim=1).nonzero().squeeze(1)
    assert rows.max() - rows.min() + 1 <= d.patch
    assert rows.max() - rows.min() + 1 >= d.patch - 2 ** max(layers - 1, 0)  # kernel edges


def test_patchgan_refuses_images_too_small_for_its_depth():
    with pytest.raises(ConfigError, match="at least"):
        PatchDiscriminator(3, 4, image_size=16)


def test_generators_keep_the_image_shape():
    x = torch.randn(2, 1, 32, 32)
    assert UNetGenerator(1, 3, 32, width=8)(x).shape == (2, 3, 32, 32)
    assert ResNetGenerator(1, 1, width=8, blocks=2)(x).shape == (2, 1, 32, 32)
    with pytest.raises(ConfigError, match="power-of-two"):
        UNetGenerator(1, 1, 24)


@pytest.mark.parametrize(("levels", "bottleneck"), [(None, 1), (5, 1), (3, 4), (2, 8)])
def test_unet_levels_set_the_bottleneck(levels, bottleneck):
    net = UNetGenerator(1, 1, 32, width=8, norm="instance", dropout=0.0, levels=levels)
    assert len(net.down) == len(net.up) == (levels or 5)
    x = torch.randn(2, 1, 32, 32)
    assert net(x).shape == x.shape
    for block in net.down:
        x = block(x)
    assert x.shape[-2:] == (bottleneck, bottleneck)


@pytest.mark.parametrize("levels", [1, 6])
def test_unet_refuses_levels_its_image_cannot_take(levels):
    with pytest.raises(ConfigError, match="2 to 5 levels"):
        UNetGenerator(1, 1, 32, levels=levels)


def test_image_pool_fills_first_then_swaps_half_and_detaches():
    torch.manual_seed(0)
    pool = ReplayPool(50, (1, 2, 2))
    first = torch.full((50, 1, 2, 2), 1.0, requires_grad=True)
    out = pool.exchange(first)
    assert torch.equal(out, first.detach()) and not out.requires_grad  # filling: returned as is
    new = (torch.arange(1000.0) + 2).view(-1, 1, 1, 1).expand(-1, 1, 2, 2)
    out = pool.exchange(new)
    from_pool = int((out == 1.0).all(dim=(1, 2, 3)).sum())
    assert 0 < from_pool <= 50  # no stored fake is handed out twice
    swapped = (out != new).all(dim=(1, 2, 3))
    assert 400 < int(swapped.sum()) < 600  # each fake swapped with probability 1/2
    values = out[swapped][:, 0, 0, 0]
    values = values[values != 1.0]  # fakes of this batch, handed on at most once each
    assert len(values.unique()) == len(values)
    assert pool.filled.item() == 50
    empty = ReplayPool(0, (1, 2, 2))
    assert torch.equal(empty.exchange(new[:4]), new[:4])


def test_digit_tasks_pair_and_unpair_as_documented():
    edges = DigitsEdges().load(DataRequest(kinds=(DataKind.PAIRED_IMAGES,)))
    n = len(edges.train["b"])
    assert edges.train["a"].shape == (n, 1, 32, 32) and len(edges.test["a"]) > 300
    assert set(edges.train["a"].unique().tolist()) == {-1.0, 1.0}
    assert edges.train["b"].min() >= -1 and edges.train["b"].max() <= 1
    again = DigitsEdges().load(DataRequest(kinds=(DataKind.PAIRED_IMAGES,)))
    assert torch.equal(again.test["b"], edges.test["b"])  # pen weights fixed, not the run's
    styles = DigitsStyles().load(DataRequest(kinds=(DataKind.UNPAIRED_IMAGES,)))
    assert styles.independent and len(styles) == n // 2
    assert torch.equal(styles.test["b"], restyle(styles.test["a"]))  # pairing kept for eval
    restyled_a = {x.numpy().tobytes() for x in restyle(styles.train["a"])}
    assert not any(x.numpy().tobytes() in restyled_a for x in styles.train["b"])  # none in train


def test_digits_edges_outline_does_not_show_the_pen_weight():
    smooth = resize_images(digit_images()[0][:50], 32).clamp(-1, 1)
    levels = pen_weights(len(smooth))
    assert levels.abs().max() <= PEN_WEIGHT_SPREAD and levels.std() > PEN_WEIGHT_SPREAD / 3
    heavy = ink(smooth, torch.full_like(levels, -0.2))
    light = ink(smooth, torch.full_like(levels, 0.2))
    assert (heavy > 0).sum() > 1.1 * (light > 0).sum()  # the pen weight moves the ink's edge
    band = outline(smooth) > 0  # the same band whatever the weight: drawn from the smooth digit
    assert (band & (heavy > 0) & (light <= 0)).any()  # where the two inkings differ


def save(path, size=(16, 16), color=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("L", size, color).save(path)


def paired(tmp_path):
    return PairedFolder().load(
        DataRequest(kinds=(DataKind.PAIRED_IMAGES,), argument=str(tmp_path), image_size=16)
    )


def test_paired_folders_load_and_validate(tmp_path):
    for name in ("x", "y"):
        save(tmp_path / "A" / f"{name}.png")
        save(tmp_path / "B" / f"{name}.jpg", color=255)
    data = paired(tmp_path)
    assert data.train["a"].shape == (2, 1, 16, 16) and (data.train["b"] == 1).all()
    save(tmp_path / "A" / "z.png")
    with pytest.raises(DataError, match="1 only in A/ \\(first: z\\)"):
        paired(tmp_path)
    save(tmp_path / "B" / "z.png", size=(16, 8))
    with pytest.raises(DataError, match="z is 16x16 in A/ but 16x8 in B/"):
        paired(tmp_path)


def test_side_by_side_pairs_split_and_validate(tmp_path):
    image = Image.new("L", (32, 16), 0)
    image.paste(255, (16, 0, 32, 16))
    image.save(tmp_path / "p.png")
    data = paired(tmp_path)
    assert (data.train["a"] == -1).all() and (data.train["b"] == 1).all()
    save(tmp_path / "square.png")
    with pytest.raises(DataError, match="twice as wide"):
        paired(tmp_path)


def test_folder_errors_name_the_problem(tmp_path):
    (tmp_path / "A").mkdir()
    with pytest.raises(DataError, match="no B/ folder"):
        paired(tmp_path)
    (tmp_path / "B").mkdir()
    with pytest.raises(DataError, match="no images"):
        paired(tmp_path)
    request = DataRequest(kinds=(DataKind.UNPAIRED_IMAGES,), argument=str(tmp_path / "u"))
    with pytest.raises(DataError, match="does not exist"):
        UnpairedFolder().load(request)
    save(tmp_path / "u" / "trainA" / "a.png")
    with pytest.raises(DataError, match="no trainB/"):
        UnpairedFolder().load(request)
    (tmp_path / "u" / "trainB").mkdir()
    with pytest.raises(DataError, match="no images"):
        UnpairedFolder().load(request)


def test_pix2pix_l1_alone_leaves_the_discriminator_untouched(tmp_path):
    def run(steps):
        folder = ganzoo.train(
            "pix2pix", steps=steps, adversarial=False, out=tmp_path / str(steps), **QUIET, **SMALL
        )
        return ganzoo.load(folder, device="cpu").networks

    one, three = run(1), run(3)
    for key, value in one["discriminator"].state_dict().items():
        assert torch.equal(value, three["discriminator"].state_dict()[key]), key
    weights = one["generator"].state_dict()
    assert any(not torch.equal(v, three["generator"].state_dict()[k]) for k, v in weights.items())


def test_cyclegan_translates_both_ways_and_checks_direction(tmp_path):
    run = ganzoo.train("cyclegan", steps=1, res_blocks=1, out=tmp_path / "c", **QUIET, **SMALL)
    model = ganzoo.load(run, device="cpu")
    x = torch.zeros(2, 1, 32, 32)
    assert model.translate(x, "AtoB").shape == model.translate(x, "BtoA").shape == (2, 1, 32, 32)
    assert not torch.equal(model.translate(x, "AtoB"), model.translate(x, "BtoA"))
    with pytest.raises(ConfigError, match="inputs of shape"):
        model.translate(torch.zeros(2, 3, 32, 32))


def test_cyclegan_can_use_unet_generators(tmp_path):
    run = ganzoo.train(
        "cyclegan", steps=1, generator="unet", unet_levels=3, out=tmp_path / "u", **QUIET, **SMALL
    )
    model = ganzoo.load(run, device="cpu")
    assert isinstance(model.networks["generator_ba"], UNetGenerator)
    assert len(model.networks["generator_ba"].down) == 3
    x = torch.zeros(2, 1, 32, 32)
    assert model.translate(x, "BtoA").shape == (2, 1, 32, 32)


def test_cyclegan_refuses_unet_levels_without_a_unet(tmp_path):
    done = invoke_zoo("train", "cyclegan", "--set", "unet_levels=3", "--out", str(tmp_path / "r"))
    assert done.returncode == 2 and "unet_levels needs generator=unet" in done.stderr
    assert not (tmp_path / "r").exists()


def test_zoo_translate_writes_one_png_per_input(tmp_path):
    run = ganzoo.train("pix2pix", steps=1, out=tmp_path / "p", **QUIET, **SMALL)
    for name in ("one", "two"):
        save(tmp_path / "in" / f"{name}.png", size=(20, 20))
    done = invoke_zoo(
        "translate", str(run), "--input", str(tmp_path / "in"), "-o", str(tmp_path / "o")
    )
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in (tmp_path / "o").iterdir())
    assert written == ["one.png", "two.png"]
    assert Image.open(tmp_path / "o" / "one.png").size == (32, 32)
    wrong = invoke_zoo(
        "translate", str(run), "--input", str(tmp_path / "in"), "--direction", "BtoA"
    )
    assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1 and "AtoB" in wrong.stderr


def test_image_pool_equals_taking_fakes_one_at_a_time():
    def sequential(pool_items, fakes, swaps, slots):
        items, out = pool_items.clone(), fakes.clone()
        for i, (swap, slot) in enumerate(zip(swaps, slots, strict=True)):
            if swap:
                out[i], items[slot] = items[slot].clone(), fakes[i]
        return out, items

    pool = ReplayPool(5, (1,))
    pool.exchange(torch.arange(5.0).view(5, 1) - 10)  # full
    fakes = torch.arange(40.0).view(40, 1)
    before = pool.items.clone()
    torch.manual_seed(7)
    swaps = (torch.rand(40) < 0.5).tolist()
    slots = torch.randint(5, (sum(swaps),)).tolist()
    torch.manual_seed(7)
    out = pool.exchange(fakes)
    slot_per_fake = iter(slots)
    expected_out, expected_items = sequential(
        before, fakes, swaps, [next(slot_per_fake) if s else 0 for s in swaps]
    )
    assert torch.equal(out, expected_out)
    assert torch.equal(pool.items, expected_items)


def test_cyclegan_identity_loss_is_an_option(tmp_path):
    def logged(run):
        return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]

    plain = ganzoo.train("cyclegan", steps=1, res_blocks=1, out=tmp_path / "a", **QUIET, **SMALL)
    assert "identity" not in logged(plain)[-1]
    run = ganzoo.train(
        "cyclegan", steps=1, res_blocks=1, identity_weight=0.5, out=tmp_path / "b", **QUIET, **SMALL
    )
    assert logged(run)[-1]["identity"] > 0


def test_jitter_keeps_pairs_aligned_and_windows_differ_per_sample():
    torch.manual_seed(0)
    x = torch.randn(16, 1, 32, 32)
    a, b = jitter(x, 3 * x, draws=torch.rand(16, 3), mirror=True)
    assert a.shape == x.shape and torch.allclose(b, 3 * a, atol=1e-5)
    assert len({round(float(v), 4) for v in (a - x).abs().mean((1, 2, 3))}) == 16
    assert torch.equal(jitter(x, draws=torch.rand(16, 3), scale=1.0)[0], x)


def test_mirroring_alone_flips_the_images_whose_coin_is_below_one_half():
    x = torch.randn(6, 1, 8, 8)
    coins = torch.tensor([0.1, 0.9, 0.4, 0.6, 0.0, 0.99])
    draws = torch.cat([torch.rand(6, 2), coins[:, None]], dim=1)
    (out,) = jitter(x, draws=draws, mirror=True, scale=1.0)
    for image, source, coin in zip(out, x, coins, strict=True):
        assert torch.equal(image, source.flip(-1) if coin < 0.5 else source)


@pytest.mark.parametrize("variant", ["cyclegan", "patchgan"])
def test_translators_train_with_the_papers_jitter_and_mirroring(variant, tmp_path):
    extra = {"res_blocks": 1} if variant == "cyclegan" else {}
    run = ganzoo.train(
        variant, steps=2, jitter=True, mirror=True, out=tmp_path, **extra, **QUIET, **SMALL
    )
    last = json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])
    losses = torch.tensor([v for k, v in last.items() if k.endswith("loss")])
    assert len(losses) >= 2 and torch.isfinite(losses).all()
