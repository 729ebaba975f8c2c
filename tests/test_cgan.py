import torch

from ganzoo.contracts import Runtime
from ganzoo.engine.batches import DeviceBatches
from ganzoo.variants import build_config, load_data, variant_class


class Spy(torch.nn.Module):
    def __init__(self, inner, calls):
        super().__init__()
        self.inner, self.calls = inner, calls

    def forward(self, x, condition):
        out = self.inner(x, condition)
        self.calls.append((x, out, condition))
        return out


def test_discriminator_sees_each_fake_with_the_condition_it_was_generated_for():
    """The lecture's algorithm: x~ = G(c, z) and D scores (c, x~); a wrong c belongs only to
    the real images of the mismatched negatives."""
    for design in ("joint", "split"):
        cls = variant_class("cgan")
        config = build_config(cls, {"design": design})
        data = load_data("digits", cls, config, 0)
        variant = cls(config, data.info, Runtime(torch.device("cpu")))
        variant.optimizers = variant.build_optimizers()
        generated, judged = [], []
        variant.generator = Spy(variant.generator, generated)
        variant.discriminator = Spy(variant.discriminator, judged)
        batches = DeviceBatches(data, 8, torch.device("cpu"), 0)
        variant.train_step(batches, 0)
        ((_, fake, labels),) = generated
        fake_calls = [c for x, _, c in judged if torch.equal(x, fake)]
        assert len(fake_calls) == 2  # D's update and G's update
        assert all(torch.equal(c, labels) for c in fake_calls)
        real_conditions = [c for x, _, c in judged if not torch.equal(x, fake)]
        assert any(not torch.equal(c, labels) for c in real_conditions)  # the mismatched pairs
