"""`acgan` — Odena et al., ICML 2017. The generator takes noise and a class; the discriminator
has two heads on one body, source (real/fake) and class logits:

    L_S = E[log P(S=real | x_real)] + E[log P(S=fake | x_fake)]
    L_C = E[log P(C=c | x_real)]    + E[log P(C=c | x_fake)]
    D maximises L_S + L_C;  G maximises L_C - L_S (here: the non-saturating form).

The class head returns logits and the loss applies log-softmax once (cross-entropy); a widely
copied implementation applies softmax before a cross-entropy, which squashes the gradients.

`tac=True` is the twin auxiliary classifier of TAC-GAN (Gong et al., NeurIPS 2019): ACGAN's
classifier favours easy-to-classify samples and loses diversity within a class; a twin head
learns the classes of *generated* samples, the main head learns real ones only, and G
minimises CE(main) - CE(twin), which removes the conditional-entropy term that caused it.

Two options outside the paper for the same loss of diversity: `classify_fakes=False` trains the
class head on real digits only, and `minibatch_kernels=B` puts the minibatch-discrimination layer
(Salimans et al. 2016) before the source head, so D sees a class drawn as one image. The layer
brings FID to cgan's level, but the samples keep their class only when the class head does not
learn the fakes (`tac=True` or `classify_fakes=False`); with the paper's objective they drift
to other digits, likely because G and the head can agree on labels that the real digits do not
carry (BENCHMARKS.md, 3 seeds).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import Tensor, nn

from ganzoo import PLUGIN_API_VERSION, hookimpl
from ganzoo.algorithms.adversarial import BASE_STEP_OPTIONS, AdversarialConfig, AdversarialGAN
from ganzoo.contracts import DataKind, NextBatch
from ganzoo.nn.dcgan import DCGANBody
from ganzoo.nn.minibatch import MinibatchDiscrimination
from ganzoo.nn.norms import Norm, weight_norm_wrap


class ACGANConfig(AdversarialConfig):
    class_weight: float = Field(1.0, ge=0, description="weight of the class log-likelihood")
    classify_fakes: bool = Field(
        True,
        description="D's class head also learns the requested classes of fakes (paper); "
        "with tac the main head learns real ones only whatever this says",
    )
    d_norm: Norm = Field(
        "spectral",
        description="spectral: with batch norm, a batch of identical fakes normalises to a "
        "constant and hides the collapse from D",
    )
    minibatch_kernels: int = Field(
        0, ge=0, description="minibatch discrimination kernels before the source head (0: off)"
    )
    tac: bool = Field(False, description="twin auxiliary classifier (TAC-GAN)")
    d_steps: int = Field(
        2,
        ge=1,
        description="k: D steps per G step. D's source head does not see the class, so only a "
        "strong D notices G drawing one image per class (digits, 3 seeds: FID 99.9 at k = 1, "
        "lr_d 2e-4; 26.4 at k = 2, lr_d 4e-4; BENCHMARKS.md)",
    )
    lr_d: float = Field(4e-4, gt=0, description="discriminator learning rate (Adam)")


class AuxiliaryClassifierDiscriminator(nn.Module):
    """Shared body; a source score, class logits and, for TAC, the twin's class logits."""

    def __init__(self, size: int, channels: int, classes: int, config: ACGANConfig):
        super().__init__()
        self.body = DCGANBody(size, channels, config.width, config.d_norm)
        features = self.body.features
        kernels = config.minibatch_kernels
        self.minibatch = MinibatchDiscrimination(features, kernels) if kernels else nn.Identity()
        self.source = weight_norm_wrap(nn.Linear(features + kernels, 1), config.d_norm)
        self.classes = weight_norm_wrap(nn.Linear(features, classes), config.d_norm)
        self.twin = (
            weight_norm_wrap(nn.Linear(features, classes), config.d_norm) if config.tac else None
        )

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor | None]:
        h = self.body(x)
        twin = self.twin(h) if self.twin is not None else None
        return self.source(self.minibatch(h)).squeeze(1), self.classes(h), twin


def class_loss(logits: Tensor, labels: Tensor) -> Tensor:
    """-log P(C = c | x) from logits: log-softmax applied exactly once."""
    return F.cross_entropy(logits, labels)


class ACGAN(AdversarialGAN):
    id = "acgan"
    Config = ACGANConfig
    default_data = "digits"
    data_kinds = (DataKind.LABELLED_IMAGES,)
    architecture = "dcgan"
    conditional = True
    unused_options = BASE_STEP_OPTIONS
    config: ACGANConfig

    def build_image_discriminator(self, size: int, channels: int) -> nn.Module:
        return AuxiliaryClassifierDiscriminator(size, channels, self.data.num_classes, self.config)

    def discriminator_losses(
        self, real: Tensor, labels: Tensor, fake: Tensor, fake_labels: Tensor
    ) -> tuple[Tensor, Tensor]:
        real_source, real_classes, _ = self.discriminator(real)
        fake_source, fake_classes, fake_twin = self.discriminator(fake)
        source = self.loss.discriminator(real_source, fake_source)
        if self.config.tac:
            classes = class_loss(real_classes, labels) + class_loss(fake_twin, fake_labels)
        elif self.config.classify_fakes:
            classes = class_loss(real_classes, labels) + class_loss(fake_classes, fake_labels)
        else:
            classes = class_loss(real_classes, labels)
        return source, classes

    def generator_losses(self, fake: Tensor, fake_labels: Tensor) -> tuple[Tensor, Tensor]:
        source, classes, twin = self.discriminator(fake)
        class_term = class_loss(classes, fake_labels)
        if self.config.tac:
            class_term = class_term - class_loss(twin, fake_labels)
        return self.loss.generator(source), class_term

    def train_step(self, next_batch: NextBatch, step: int) -> dict[str, Tensor]:
        c, K = self.config, self.data.num_classes
        opt_g, opt_d = self.optimizers["generator"], self.optimizers["discriminator"]
        for k in range(c.d_steps):
            batch = next_batch()
            real, labels = batch["x"], batch["y"]
            fake_labels = self.runtime.randint(K, len(real))
            with torch.set_grad_enabled(k == c.d_steps - 1):  # the last fakes also serve G
                fake = self.generator(self.noise(len(real)), fake_labels)
            source, classes = self.discriminator_losses(real, labels, fake.detach(), fake_labels)
            d_loss = source + c.class_weight * classes
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
        with self.runtime.frozen(self.networks["discriminator"]):
            g_source, g_classes = self.generator_losses(fake, fake_labels)
            g_loss = g_source + c.class_weight * g_classes
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
        opt_g.step()
        return {
            "d_loss": d_loss.detach(),
            "g_loss": g_loss.detach(),
            "d_class": classes.detach(),
            "g_class": g_classes.detach(),
        }


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_variants() -> list[type]:
    return [ACGAN]
