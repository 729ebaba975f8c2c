"""Channels-last training: the seams between flat and image-shaped activations keep one layout,
and switching a network's layout changes neither its outputs nor its gradients."""

import pytest
import torch

from ganzoo.nn.dcgan import DCGANDiscriminator, DCGANGenerator
from ganzoo.nn.layout import Flatten, Unflatten, layout_of, use_channels_last
from ganzoo.nn.norms import feature_norm


def test_flatten_hands_the_gradient_back_in_the_input_layout():
    x = torch.randn(3, 4, 5, 6).contiguous(memory_format=torch.channels_last).requires_grad_()
    flat = Flatten()(x)
    assert torch.equal(flat, x.detach().flatten(1))
    weights = torch.randn_like(flat)
    (flat * weights).sum().backward()
    assert layout_of(x.grad) == torch.channels_last
    assert torch.equal(x.grad, weights.view(3, 4, 5, 6))


def test_unflatten_follows_the_network_layout():
    seam = torch.nn.Sequential(Unflatten((4, 2, 2)))
    x = torch.randn(3, 16)
    assert layout_of(seam(x)) == torch.contiguous_format
    use_channels_last(seam)
    out = seam(x)
    assert layout_of(out) == torch.channels_last
    assert torch.equal(out, x.view(3, 4, 2, 2))


@pytest.mark.parametrize("size", [16, 32])
def test_channels_last_dcgan_matches_the_default_layout(size):
    torch.manual_seed(0)
    generator, critic = DCGANGenerator(8, size, 1, 8), DCGANDiscriminator(size, 1, 8)
    z = torch.randn(5, 8)

    def run():
        generator.zero_grad()
        critic.zero_grad()
        score = critic(generator(z)).sum()
        score.backward()
        return score.detach(), [p.grad.clone() for p in generator.parameters()]

    score, grads = run()
    use_channels_last(generator)
    use_channels_last(critic)
    score_cl, grads_cl = run()
    torch.testing.assert_close(score_cl, score, rtol=1e-5, atol=1e-5)
    for grad, grad_cl in zip(grads, grads_cl, strict=True):
        # The layouts sum in other orders: fp32 rounding relative to the largest entry, not to
        # each one (a near-zero entry of a 128-entry gradient differed by 5e-6 on torch 2.13).
        scale = grad.abs().max().item()
        torch.testing.assert_close(grad_cl, grad, rtol=1e-4, atol=1e-5 * scale)


def test_instance_norm_matches_instancenorm2d_and_keeps_channels_last():
    x = torch.randn(2, 6, 5, 5)
    norm = feature_norm("instance", 6)
    torch.testing.assert_close(norm(x), torch.nn.InstanceNorm2d(6)(x))
    assert layout_of(norm(x.contiguous(memory_format=torch.channels_last))) == torch.channels_last
