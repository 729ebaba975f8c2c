import math

import pytest
import torch
import torch.nn.functional as F

import ganzoo
from ganzoo_acgan import class_loss

QUIET = {"device": "cpu", "sample_every": 0, "checkpoint_every": 0, "progress": False}


def test_class_loss_against_a_hand_computed_value():
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.5, 0.5, 3.0]])
    labels = torch.tensor([0, 2])
    by_hand = (
        -(
            math.log(math.exp(2) / (math.exp(2) + 1 + math.exp(-1)))
            + math.log(math.exp(3) / (2 * math.exp(0.5) + math.exp(3)))
        )
        / 2
    )
    assert class_loss(logits, labels).item() == pytest.approx(by_hand, rel=1e-6)
    softmax_first = F.cross_entropy(logits.softmax(dim=1), labels).item()  # the copied bug
    assert abs(softmax_first - by_hand) > 0.2


def test_class_head_returns_logits(tmp_path):
    run = ganzoo.train("acgan", steps=2, batch_size=16, out=tmp_path / "run", **QUIET)
    model = ganzoo.load(run, device="cpu")
    discriminator = model.networks["discriminator"].eval()
    with torch.no_grad():
        _, classes, twin = discriminator(model.sample(8, seed=0))
    assert classes.shape == (8, 10) and twin is None
    assert not torch.allclose(classes.sum(dim=1), torch.ones(8))
    assert (classes < 0).any()


def test_sampling_with_explicit_labels_keeps_shape_and_order(tmp_path):
    run = ganzoo.train("acgan", steps=2, batch_size=16, out=tmp_path / "run", **QUIET)
    model = ganzoo.load(run, device="cpu")
    labels = torch.tensor([3, 3, 7, 0])
    images = model.sample(4, labels=labels, seed=2)
    assert images.shape == (4, 1, 16, 16)
    z = torch.randn(4, model.config.z_dim, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        expected = model.networks["generator"].eval()(z, labels)
    torch.testing.assert_close(images, expected)


@pytest.mark.parametrize("minibatch_kernels", [0, 8])
def test_tac_option_trains_with_a_twin_head(tmp_path, minibatch_kernels):
    run = ganzoo.train(
        "acgan",
        steps=3,
        batch_size=16,
        out=tmp_path / "run",
        tac=True,
        minibatch_kernels=minibatch_kernels,
        log_every=1,
        **QUIET,
    )
    model = ganzoo.load(run, device="cpu")
    assert model.networks["discriminator"].twin is not None
    lines = (run / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 3 and "nan" not in lines[-1]


def test_real_only_classification_and_minibatch_source_head(tmp_path):
    run = ganzoo.train(
        "acgan",
        steps=2,
        batch_size=16,
        out=tmp_path / "run",
        classify_fakes=False,
        minibatch_kernels=8,
        **QUIET,
    )
    model = ganzoo.load(run, device="cpu")
    discriminator = model.networks["discriminator"].eval()
    real, fake = torch.rand(6, 1, 16, 16) * 2 - 1, model.sample(6, seed=1)
    labels, fake_labels = torch.tensor([0, 1, 2, 3, 4, 5]), torch.tensor([9, 8, 7, 6, 5, 4])
    with torch.no_grad():
        _, classes = model.discriminator_losses(real, labels, fake, fake_labels)
        _, real_classes, _ = discriminator(real)
        source, logits, _ = discriminator(fake)
        changed = fake.clone()
        changed[1:] = -changed[1:]
        changed_source, changed_logits, _ = discriminator(changed)
    torch.testing.assert_close(classes, class_loss(real_classes, labels))
    # Sample 0 is unchanged: its class logits stay, its source score sees the rest of the batch.
    torch.testing.assert_close(changed_logits[0], logits[0])
    assert not torch.allclose(changed_source[0], source[0])
