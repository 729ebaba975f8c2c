import pytest
import torch

from ganzoo.underflow import exponent_floor, floored_exp_, logsumexp


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("dim", [0, -1])
def test_logsumexp_matches_torch_where_most_terms_underflow(dtype, dim):
    torch.manual_seed(0)
    x = (torch.randn(40, 30) * 2000).to(dtype)
    assert (x < exponent_floor(dtype)).float().mean() > 0.3
    assert torch.allclose(logsumexp(x, dim), torch.logsumexp(x, dim), rtol=1e-6, atol=0)


def test_floored_exp_raises_only_the_arguments_under_the_floor_in_place():
    x = torch.tensor([0.0, -1.0, -200.0, -1e30])
    out = floored_exp_(x)
    assert out is x
    tiny = torch.finfo(torch.float32).tiny
    assert torch.equal(out[:2], torch.tensor([0.0, -1.0]).exp())
    assert (out[2:] >= tiny).all() and (out[2:] < 10 * tiny).all()
