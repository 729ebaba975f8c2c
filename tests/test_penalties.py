"""The discriminator penalties in core: each against its closed form on a critic whose gradient
is known, and wired into the adversarial algorithm with its weight."""

import pytest
import torch

import ganzoo
from conftest import invoke_zoo
from ganzoo.losses import gradient_penalty, r1_penalty

QUIET = {"device": "cpu", "sample_every": 0, "checkpoint_every": 0, "progress": False}


def squared_norm(x: torch.Tensor) -> torch.Tensor:
    return x.square().sum(dim=1)  # gradient 2x, so ||grad||² = 4||x||²


def test_r1_is_the_mean_squared_gradient_norm_on_real_samples():
    real = torch.randn(16, 3)
    expected = (4 * real.square().sum(dim=1)).mean()
    assert r1_penalty(squared_norm, real).item() == pytest.approx(expected.item(), rel=1e-6)


def test_r1_gradient_reaches_the_critic_and_leaves_the_data_alone():
    critic = torch.nn.Linear(2, 1)
    real = torch.randn(8, 2)
    r1_penalty(lambda x: critic(x).squeeze(1), real).backward()
    # R1 of a linear critic is ||w||², whose gradient is 2w; the bias does not enter it
    assert torch.allclose(critic.weight.grad, 2 * critic.weight.detach())
    assert critic.bias.grad is None or torch.all(critic.bias.grad == 0)
    assert real.grad is None


def test_wgan_gp_penalty_is_zero_where_the_gradient_has_unit_norm():
    unit_slope = torch.nn.Linear(3, 1, bias=False)
    with torch.no_grad():
        unit_slope.weight.copy_(torch.tensor([[0.6, 0.8, 0.0]]))
    penalty = gradient_penalty(
        lambda x: unit_slope(x).squeeze(1), torch.randn(8, 3), torch.randn(8, 3)
    )
    assert penalty.item() == pytest.approx(0.0, abs=1e-10)
    assert gradient_penalty(
        squared_norm, torch.ones(4, 1), torch.ones(4, 1)
    ).item() == pytest.approx(1.0)


def test_r1_weight_enters_the_discriminator_loss_as_half_gamma(tmp_path):
    run = ganzoo.train("gan", steps=1, batch_size=8, out=tmp_path / "run", **QUIET)
    variant = ganzoo.load(run, device="cpu")
    real, fake = torch.randn(8, 2), torch.randn(8, 2)
    plain = variant.discriminator_loss(real, fake)
    variant.config.r1_penalty = 3.0
    penalised = variant.discriminator_loss(real, fake)
    expected = plain + 1.5 * r1_penalty(variant.discriminator, real)
    assert penalised.item() == pytest.approx(expected.item(), rel=1e-6)
    assert penalised.item() > plain.item()


@pytest.mark.parametrize(
    ("variant", "setting"),
    [("cgan", "r1_penalty=1"), ("acgan", "gradient_penalty=10"), ("cgan", "replay_size=8")],
)
def test_variants_with_their_own_step_refuse_the_options_it_leaves_out(tmp_path, variant, setting):
    out = tmp_path / "run"
    done = invoke_zoo("train", variant, "--steps", "1", "--set", setting, "--out", str(out))
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == f"zoo: error: {variant} does not use {setting.split('=')[0]}"
    assert not (out / "config.json").exists()
