"""The mode-collapse fighters' new parts: the minibatch layer, Sinkhorn, the paper options."""

import itertools
import json
import math

import numpy as np
import ot
import pytest
import torch

import ganzoo
from ganzoo.contracts import Runtime
from ganzoo.engine.batches import DeviceBatches
from ganzoo.nn.minibatch import MinibatchDiscrimination
from ganzoo.transport import cosine_cost, epsilon_schedule, sinkhorn_cost, sinkhorn_plan
from ganzoo.variants import build_config, load_data, variant_class

QUIET = {"device": "cpu", "sample_every": 0, "checkpoint_every": 0, "progress": False}


def test_minibatch_layer_matches_a_direct_per_pair_computation():
    torch.manual_seed(0)
    layer = MinibatchDiscrimination(in_features=6, kernels=4, kernel_dim=3)
    f = torch.randn(5, 6)
    out = layer(f)
    m = (f @ layer.T).view(5, 4, 3)
    expected = torch.zeros(5, 4)
    for i in range(5):
        for j in range(5):
            if i != j:
                for b in range(4):
                    expected[i, b] += math.exp(-(m[i, b] - m[j, b]).abs().sum().item())
    assert out.shape == (5, 6 + 4)
    assert torch.equal(out[:, :6], f)
    assert torch.allclose(out[:, 6:], expected, atol=1e-5)


def test_minibatch_layer_excludes_self_pairs():
    layer = MinibatchDiscrimination(in_features=3, kernels=2, kernel_dim=2)
    alone = layer(torch.randn(1, 3))[:, 3:]
    assert torch.equal(alone, torch.zeros(1, 2))
    copies = layer(torch.ones(4, 3))[:, 3:]  # identical samples: each has 3 others at distance 0
    assert torch.allclose(copies, torch.full((4, 2), 3.0))


def test_minibatch_layer_compares_within_the_batch_it_is_given():
    torch.manual_seed(1)
    layer = MinibatchDiscrimination(in_features=4, kernels=3, kernel_dim=2)
    real, fake = torch.randn(6, 4), torch.randn(6, 4)
    apart = torch.cat([layer(real), layer(fake)])
    together = layer(torch.cat([real, fake]))
    assert not torch.allclose(apart, together)


def _closeness_by_broadcasting(f: torch.Tensor, layer: MinibatchDiscrimination) -> torch.Tensor:
    m = (f @ layer.T).view(len(f), layer.kernels, layer.kernel_dim)
    distances = (m.unsqueeze(1) - m.unsqueeze(0)).abs().sum(-1)  # (N, N, B)
    others = ~torch.eye(len(f), dtype=torch.bool).unsqueeze(-1)
    return (torch.exp(-distances) * others).sum(1)


def test_minibatch_layer_has_the_first_and_second_derivatives_of_the_direct_computation():
    torch.manual_seed(2)
    layer = MinibatchDiscrimination(in_features=4, kernels=3, kernel_dim=2).double()
    f = torch.randn(6, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: layer(x)[:, 4:], (f,))
    assert torch.autograd.gradgradcheck(lambda x: layer(x)[:, 4:], (f,))
    weights = torch.randn(6, 3, dtype=torch.float64)
    ours, direct = (
        torch.autograd.grad((out * weights).sum(), f, create_graph=True)[0]
        for out in (layer(f)[:, 4:], _closeness_by_broadcasting(f, layer))
    )
    assert torch.allclose(ours, direct)
    second = [torch.autograd.grad(g.square().sum(), layer.T)[0] for g in (ours, direct)]
    assert torch.allclose(*second)


def test_improved_gan_trains_with_an_r1_penalty_through_the_minibatch_layer(tmp_path):
    run = ganzoo.train(
        "improved-gan",
        data="grid25",
        steps=2,
        seed=0,
        r1_penalty=0.1,
        batch_size=16,
        out=tmp_path / "r1",
        **QUIET,
    )
    lines = (run / "metrics.jsonl").read_text().splitlines()
    losses = [v for line in lines for k, v in json.loads(line).items() if k.endswith("loss")]
    assert losses and all(math.isfinite(v) for v in losses)


@pytest.mark.filterwarnings("ignore:Sinkhorn did not converge")  # POT's tolerance is stricter
@pytest.mark.parametrize("start", [None, 2.0])
@pytest.mark.parametrize("epsilon", [0.5, 0.05])
def test_sinkhorn_matches_pot_in_plan_value_and_gradient(epsilon, start):
    rng = np.random.default_rng(0)
    cost = torch.tensor(rng.random((30, 20)), requires_grad=True)
    a, b = torch.full((30,), 1 / 30, dtype=torch.float64), torch.full((20,), 1 / 20).double()
    reference = ot.solve(
        cost, a, b, reg=epsilon, method="sinkhorn_log", grad="envelope", max_iter=20000, tol=1e-12
    )
    plan = sinkhorn_plan(cost.detach(), epsilon, iterations=2000, start=start)
    assert torch.allclose(plan, reference.plan, atol=1e-10)
    ours = sinkhorn_cost(cost, epsilon, iterations=2000, start=start)
    assert ours.item() == pytest.approx(reference.value_linear.item(), rel=1e-8)
    (grad_ours,) = torch.autograd.grad(ours, cost)
    (grad_pot,) = torch.autograd.grad(reference.value, cost)
    assert torch.allclose(grad_ours, grad_pot, atol=1e-10)


def test_sinkhorn_solves_a_stack_of_problems_like_one_at_a_time():
    costs = torch.rand(3, 8, 8, dtype=torch.float64)
    stacked = sinkhorn_cost(costs, 0.05, 300)
    single = torch.stack([sinkhorn_cost(c, 0.05, 300) for c in costs])
    assert torch.allclose(stacked, single)


def test_sinkhorn_floored_exponents_leave_plan_and_cost_as_torch_logsumexp_gives_them():
    torch.manual_seed(0)
    x = torch.nn.functional.normalize(torch.randn(2, 64, 8), dim=-1)
    costs = 1 - x @ x.flip(0).transpose(1, 2)
    epsilon = 1e-3  # most scaled costs lie far under float32's log(tiny), about -87
    scaled = -costs / epsilon
    f, g = torch.zeros(2, 64), torch.zeros(2, 64)
    for _ in range(50):
        f = -math.log(64) - torch.logsumexp(scaled + g.unsqueeze(-2), dim=-1)
        g = -math.log(64) - torch.logsumexp(scaled + f.unsqueeze(-1), dim=-2)
    expected = torch.exp(scaled + f.unsqueeze(-1) + g.unsqueeze(-2))
    assert (scaled < -1000).float().mean() > 0.5
    plan = sinkhorn_plan(costs, epsilon, iterations=50)
    assert torch.allclose(plan, expected, rtol=1e-5, atol=1e-36)
    assert torch.allclose(sinkhorn_cost(costs, epsilon, 50), (expected * costs).sum((1, 2)))


def test_epsilon_schedule_decays_geometrically_over_the_first_half_then_holds():
    assert epsilon_schedule(0.01, 5) == [0.01] * 5
    assert epsilon_schedule(0.01, 5, start=0.001) == [0.01] * 5  # start under epsilon: plain
    schedule = epsilon_schedule(0.001, 100, start=2.0)
    assert len(schedule) == 100 and schedule[0] == 2.0
    assert schedule[49] == pytest.approx(0.001) and schedule[50:] == [0.001] * 50
    ratios = [b / a for a, b in itertools.pairwise(schedule[:50])]
    assert max(ratios) == pytest.approx(min(ratios)) and ratios[0] < 1


def test_epsilon_scaling_reaches_the_small_epsilon_plan_in_far_fewer_iterations():
    torch.manual_seed(0)
    x = torch.nn.functional.normalize(torch.randn(96, 8, dtype=torch.float64), dim=1)
    y = torch.nn.functional.normalize(torch.randn(96, 8, dtype=torch.float64) + 0.5, dim=1)
    costs = 1 - x @ y.T
    converged = sinkhorn_plan(costs, 1e-3, iterations=20000)
    plain = sinkhorn_plan(costs, 1e-3, iterations=100)
    scaled = sinkhorn_plan(costs, 1e-3, iterations=100, start=2.0)

    def row_error(plan):
        return (plan.sum(1) * 96 - 1).abs().max().item()

    assert row_error(converged) < 1e-3
    assert row_error(scaled) < row_error(plain) / 3
    assert (scaled - converged).abs().sum() < (plain - converged).abs().sum() / 2


def test_sinkhorn_gradients_stay_finite_at_small_epsilon():
    torch.manual_seed(0)
    x = torch.randn(64, 16, requires_grad=True)
    y = torch.randn(64, 16, requires_grad=True)
    for epsilon, start in itertools.product((1e-2, 1e-3, 1e-4), (None, 2.0)):
        value = sinkhorn_cost(cosine_cost(x, y), epsilon, iterations=100, start=start)
        grad_x, grad_y = torch.autograd.grad(value, (x, y))
        assert math.isfinite(value.item())
        assert torch.isfinite(grad_x).all() and torch.isfinite(grad_y).all()
        assert grad_x.abs().sum() > 0


def test_improved_gan_paper_options_train_and_resume(tmp_path):
    options = {
        "feature_matching": True,
        "real_label": 0.9,
        "historical_averaging": 1e-3,
        "kernels": 8,
        "batch_size": 16,
    }
    straight = ganzoo.train("improved-gan", steps=4, seed=3, out=tmp_path / "a", **QUIET, **options)
    ganzoo.train("improved-gan", steps=2, seed=3, out=tmp_path / "b", **QUIET, **options)
    resumed = ganzoo.train("improved-gan", steps=4, resume=tmp_path / "b", **QUIET)
    a, b = ganzoo.load(straight, device="cpu"), ganzoo.load(resumed, device="cpu")
    assert torch.equal(a.sample(16, seed=0), b.sample(16, seed=0))


def _noise_and_dropout(discriminator: torch.nn.Module) -> tuple[float, list[float]]:
    from ganzoo.nn.noise import GaussianNoise

    modules = list(discriminator.modules())
    (noise,) = [m.std for m in modules if isinstance(m, GaussianNoise)]
    return noise, [m.p for m in modules if isinstance(m, torch.nn.Dropout)]


def test_improved_gan_blurs_and_drops_out_on_images_only_unless_told(tmp_path):
    images = ganzoo.train(
        "improved-gan", data="digits", steps=1, batch_size=8, out=tmp_path / "i", **QUIET
    )
    points = ganzoo.train("improved-gan", steps=1, batch_size=8, out=tmp_path / "p", **QUIET)
    told = ganzoo.train(
        "improved-gan",
        steps=1,
        batch_size=8,
        input_noise=0.1,
        d_dropout=0.3,
        out=tmp_path / "t",
        **QUIET,
    )
    d = ganzoo.load(images, device="cpu").networks["discriminator"]
    assert _noise_and_dropout(d) == (0.2, [0.5, 0.5])
    assert _noise_and_dropout(ganzoo.load(points, device="cpu").networks["discriminator"]) == (
        0.0,
        [],
    )
    noise, dropout = _noise_and_dropout(ganzoo.load(told, device="cpu").networks["discriminator"])
    assert noise == 0.1 and dropout and set(dropout) == {0.3}
    x = torch.rand(8, 1, 16, 16) * 2 - 1
    d.eval()
    assert torch.equal(d(x), d(x))
    d.train()
    assert not torch.equal(d(x), d(x))


def test_improved_gan_smooths_real_labels_on_points_only_unless_told(tmp_path):
    def real_label(**options) -> float:
        out = tmp_path / str(len(list(tmp_path.iterdir())))
        run = ganzoo.train("improved-gan", steps=1, batch_size=8, out=out, **QUIET, **options)
        return ganzoo.load(run, device="cpu").loss.real_label

    assert real_label() == 0.9
    assert real_label(data="digits") == 1.0
    assert real_label(data="digits", real_label=0.8) == 0.8
    assert real_label(real_label=1.0) == 1.0


def test_improved_gan_normalises_its_point_discriminator_as_configured(tmp_path):
    from torch.nn.utils import parametrize

    def parametrized_layers(**options) -> int:
        out = tmp_path / str(len(list(tmp_path.iterdir())))
        run = ganzoo.train("improved-gan", steps=1, batch_size=8, out=out, **QUIET, **options)
        trunk = ganzoo.load(run, device="cpu").networks["discriminator"].trunk
        return sum(parametrize.is_parametrized(m) for m in trunk.modules())

    assert parametrized_layers() == 0
    assert parametrized_layers(d_norm="spectral") == 3
    assert parametrized_layers(d_norm="weight") == 3


def test_historical_average_is_the_mean_of_past_parameters():
    from ganzoo_improved_gan import HistoricalAverage

    net = torch.nn.Linear(2, 1)
    history, seen = HistoricalAverage(net), [net.weight.detach().clone()]
    for _ in range(3):
        with torch.no_grad():
            net.weight.add_(torch.randn_like(net.weight))
        history.update(net)
        seen.append(net.weight.detach().clone())
    assert torch.allclose(history.mean0, torch.stack(seen).mean(0))
    expected = (net.weight - torch.stack(seen).mean(0)).square().sum() + 0.0
    assert history.penalty(net).item() == pytest.approx(expected.item(), abs=1e-6)


def test_otgan_updates_its_critic_every_generator_steps(tmp_path):
    run = ganzoo.train("otgan", steps=6, batch_size=16, log_every=1, out=tmp_path / "run", **QUIET)
    lines = (run / "metrics.jsonl").read_text().splitlines()
    critic_steps = [i + 1 for i, line in enumerate(lines) if "critic_loss" in line]
    assert critic_steps == [1, 4]


def test_otgan_generator_gradient_is_the_same_without_the_real_pair_term():
    """W_c(X, X') does not depend on the generator, so its step may leave it out."""
    cls = variant_class("otgan")
    config = build_config(cls, {})
    data = load_data("grid25", cls, config, 0)
    variant = cls(config, data.info, Runtime(torch.device("cpu")))
    gradients, losses = [], []
    for with_real_pair in (True, False):
        torch.manual_seed(0)
        batches = DeviceBatches(data, 32, torch.device("cpu"), 0)
        variant.generator.zero_grad(set_to_none=True)
        loss = variant.energy_distance(batches, with_real_pair)
        loss.backward()
        losses.append(loss.item())
        gradients.append(torch.cat([p.grad.flatten() for p in variant.generator.parameters()]))
    assert losses[0] != pytest.approx(losses[1])  # the term itself is there and not zero
    torch.testing.assert_close(gradients[0], gradients[1], rtol=1e-5, atol=1e-7)


def test_one_sided_label_smoothing_moves_only_the_real_target():
    from ganzoo.losses import NonSaturating
    from ganzoo_improved_gan import OneSidedSmoothing

    real, fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5, -3.0])
    smoothed = OneSidedSmoothing(NonSaturating(), 0.9)

    def bce(logit, target):
        p = 1 / (1 + math.exp(-logit))
        return -(target * math.log(p) + (1 - target) * math.log(1 - p))

    by_hand = sum(bce(r, 0.9) for r in (2.0, -1.0)) / 2 + sum(bce(f, 0.0) for f in (0.5, -3.0)) / 2
    assert smoothed.discriminator(real, fake).item() == pytest.approx(by_hand, rel=1e-6)
    assert torch.equal(smoothed.generator(fake), NonSaturating().generator(fake))


def test_stacked_digits_has_a_thousand_modes_in_three_channels():
    from ganzoo.contracts import DataKind, DataRequest
    from ganzoo.data.stacked import StackedDigits, triple_labels
    from ganzoo.errors import DataError

    data = StackedDigits().load(DataRequest(kinds=(DataKind.LABELLED_IMAGES,), argument="n=3000"))
    assert data.train["x"].shape == (3000, 3, 16, 16) and data.info.num_classes == 1000
    assert data.train["y"].unique().numel() > 900
    with pytest.raises(DataError, match="3 channels"):
        StackedDigits().load(DataRequest(kinds=(DataKind.IMAGES,), channels=1))
    assert triple_labels(torch.tensor([[3, 0, 7]])).item() == 307
