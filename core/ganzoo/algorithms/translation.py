"""What image-to-image variants share: a generator maps an input image to an output image,
so "sampling" means translating inputs. Without given inputs, `sample` translates inputs drawn
from the data the model was trained on (its test split when it has one), reloaded from the
dataset named in the run's config.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import torch
from pydantic import Field
from torch import Tensor, nn

from ganzoo.contracts import Variant, VariantConfig
from ganzoo.data.augment import JITTER_SCALE, jitter
from ganzoo.errors import ConfigError

Direction = Literal["AtoB", "BtoA"]


class TranslatorConfig(VariantConfig):
    jitter: bool = Field(
        False,
        description="train on random 256/286 windows of each image, resampled (the papers' jitter)",
    )
    mirror: bool = Field(False, description="mirror half the training images (the papers' flips)")


class Translator(Variant):
    directions: ClassVar[tuple[str, ...]] = ("AtoB",)
    _inputs: dict[str, Tensor] | None = None

    def generator_for(self, direction: str) -> nn.Module:
        """The network that translates in `direction` (EMA copy when there is one)."""
        name = self.sample_network if direction == "AtoB" else "generator_ba"
        return self.ema.get(name) or self.networks[name]

    @torch.no_grad()
    def translate(self, images: Tensor, direction: str = "AtoB") -> Tensor:
        if direction not in self.directions:
            raise ConfigError(
                f"{self.id} translates {' and '.join(self.directions)}, not {direction}"
            )
        expected = self.input_shape(direction)
        if tuple(images.shape[1:]) != expected:
            raise ConfigError(
                f"{self.id} takes {direction} inputs of shape {expected}, "
                f"not {tuple(images.shape[1:])}"
            )
        generator = self.generator_for(direction)
        was_training = generator.training
        generator.eval()
        try:
            return generator(images.to(self.device))
        finally:
            generator.train(was_training)

    def augmented(self, *batches: Tensor) -> tuple[Tensor, ...]:
        """The config's jitter and mirroring, one window per sample for all `batches` given."""
        c = self.config
        if not (c.jitter or c.mirror):
            return batches
        draws = self.runtime.uniform(len(batches[0]), 3)
        scale = JITTER_SCALE if c.jitter else 1.0
        return jitter(*batches, draws=draws, mirror=c.mirror, scale=scale)

    def input_shape(self, direction: str) -> tuple[int, ...]:
        channels = self.data.extra.get("input_channels", self.data.shape[0])
        if direction == "BtoA":
            return self.data.shape
        return (channels, *self.data.shape[1:])

    def example_inputs(self) -> dict[str, Tensor]:
        if self._inputs is None:
            from ganzoo.variants import load_data

            data = load_data(self.data.spec, type(self), self.config, seed=0)
            split = data.test or data.train
            self._inputs = {"AtoB": split["a"], "BtoA": split["b"]}
        return self._inputs

    def generate(
        self, generator: nn.Module, n: int, labels: Tensor | None, rng: torch.Generator | None
    ) -> Tensor:
        if labels is not None:
            raise ConfigError(f"{self.id} translates images; it takes no labels")
        inputs = self.example_inputs()["AtoB"]
        picks = torch.randint(len(inputs), (n,), generator=rng, device=rng.device if rng else None)
        return generator(inputs[picks.cpu()].to(self.device))
