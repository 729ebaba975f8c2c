"""`stackgan` — Zhang et al., ICCV 2017: text to image in two stages.

0. learn the caption encoder φ (the zoo's joint image–text embedding; the paper used a
   pretrained char-CNN-RNN)                                                  (encoder_steps)
1. stage I:  c0 ~ N(μ0(φt), Σ0(φt))  (conditioning augmentation, + KL to N(0, I))
             s0 = G0(z, c0), a low-resolution image; D0 is matching-aware  (stage1_steps)
2. stage II: G0 fixed; c ~ N(μ(φt), Σ(φt)) from its own augmentation
             s = G(s0, c) at 2–4× the side; D is matching-aware           (stage2_steps)

Each stage alternates one D step and one G step. D's negatives (LECTURES.md section 5):
(real image, its caption) -> 1, (G's image, the caption) -> 0, (real image, another image's
caption) -> 0; `mismatched=False` drops the third kind, and `mismatch=closest` (not in the
paper) picks the caption whose attributes differ least from the image's. G minimises its
adversarial loss plus `kl_weight` × KL. The engine's steps count encoder batches, then stage I,
then stage II.
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

import torch
from pydantic import Field
from torch import Tensor, nn

from ganzoo import PLUGIN_API_VERSION, hookimpl
from ganzoo.algorithms import matching
from ganzoo.contracts import DataKind, NextBatch, TensorData, Variant, VariantConfig
from ganzoo.data.common import resize_images
from ganzoo.data.text import PAD, decode
from ganzoo.errors import ConfigError
from ganzoo.losses import adversarial_loss
from ganzoo.nn.captions import CaptionEncoder, ImageEncoder, matching_loss, sentence_encoder
from ganzoo.nn.dcgan import DCGANGenerator, init_dcgan_weights
from ganzoo.nn.matching import MatchingDiscriminator, condition_planes
from ganzoo.nn.resnet import ResidualBlock


class StackGANConfig(VariantConfig):
    image_size: int = Field(32, description="stage II side (32 or 64)")
    stage1_size: int = Field(16, description="stage I side (16 or 32; stage II is 2-4× it)")
    channels: int | None = Field(None, description="image channels; None = the data's own")
    z_dim: int = Field(64, ge=1, description="stage I noise")
    embedding_dim: int = Field(64, ge=2, description="caption embedding φt (zoo encoder)")
    condition_dim: int = Field(32, ge=1, description="sampled condition c (paper: 128)")
    kl_weight: float = Field(
        0.0625,
        ge=0,
        description="weight of KL(N(μ, Σ) || N(0, I)), summed over c's dimensions; the paper's "
        "code puts 2 on the per-dimension mean, the same as 2 / condition_dim here",
    )
    text_encoder: str = Field(
        "zoo", description="zoo (trained here) or an installed ganzoo.sentence_encoders name"
    )
    encoder_steps: int = Field(1000, ge=0, description="caption-encoder batches (zoo encoder)")
    encoder_lr: float = Field(1e-3, gt=0, description="caption encoder's Adam rate")
    stage1_steps: int = Field(5000, ge=0, description="stage I iterations")
    stage2_steps: int = Field(5000, ge=0, description="stage II iterations")
    design: Literal["joint", "split"] = Field("joint", description="discriminator design")
    mismatched: bool = Field(True, description="train D on real images with wrong captions")
    mismatch: Literal["random", "closest"] = Field(
        "random",
        description="the wrong caption: another image's in the batch (the paper), or the one whose "
        "attributes differ least from the image's (data with attributes, e.g. shapes-captions)",
    )
    d_fusion: Literal["input", "features"] = Field(
        "features",
        description="joint design: the caption joins D's last 4×4 feature map (the paper's "
        "discriminators) or its input channels",
    )
    d_condition_dim: int = Field(32, ge=1, description="D's compressed caption embedding")
    width: int = Field(64, ge=4, description="base channel width of every image network")
    residual_blocks: int = Field(2, ge=0, description="stage II residual blocks")
    loss: Literal["non-saturating", "least-squares", "hinge"] = Field(
        "non-saturating", description="GAN objective of both stages"
    )
    lr_g: float = Field(2e-4, gt=0, description="generators' Adam rate (the paper's)")
    lr_d: float = Field(2e-4, gt=0, description="discriminators' Adam rate (the paper's)")
    betas: tuple[float, float] = Field((0.5, 0.999), description="Adam betas")


def kl_to_standard_normal(mean: Tensor, log_variance: Tensor) -> Tensor:
    """KL(N(μ, diag σ²) || N(0, I)), summed over dimensions, averaged over the batch."""
    per_dimension = mean.square() + log_variance.exp() - 1 - log_variance
    return 0.5 * per_dimension.sum(dim=1).mean()


class ConditioningAugmentation(nn.Module):
    """φt -> (μ, log σ²) -> c = μ + σ ε: a smooth condition manifold from few captions."""

    def __init__(self, embedding_dim: int, condition_dim: int):
        super().__init__()
        self.moments = nn.Linear(embedding_dim, 2 * condition_dim)

    def forward(self, embedding: Tensor, eps: Tensor) -> tuple[Tensor, Tensor]:
        mean, log_variance = self.moments(embedding).chunk(2, dim=1)
        condition = mean + (0.5 * log_variance).exp() * eps
        return condition, kl_to_standard_normal(mean, log_variance)


class StageOneGenerator(nn.Module):
    def __init__(self, c: StackGANConfig, channels: int):
        super().__init__()
        self.augment = ConditioningAugmentation(c.embedding_dim, c.condition_dim)
        self.draw = DCGANGenerator(c.z_dim + c.condition_dim, c.stage1_size, channels, c.width)

    def forward(self, z: Tensor, embedding: Tensor, eps: Tensor) -> tuple[Tensor, Tensor]:
        condition, kl = self.augment(embedding, eps)
        return self.draw(torch.cat([condition, z], dim=1)), kl


class StageTwoGenerator(nn.Module):
    """Encode the stage-I image, join the condition as planes, residual blocks, upsample."""

    def __init__(self, c: StackGANConfig, channels: int):
        super().__init__()
        self.augment = ConditioningAugmentation(c.embedding_dim, c.condition_dim)
        self.register_buffer("trained_steps", torch.zeros((), dtype=torch.long))
        inner = 2 * c.width
        self.encode = nn.Sequential(
            nn.Conv2d(channels, c.width, 3, 1, 1), nn.ReLU(True),
            nn.Conv2d(c.width, inner, 4, 2, 1, bias=False), nn.BatchNorm2d(inner), nn.ReLU(True),
        )  # fmt: skip
        self.join = nn.Sequential(
            nn.Conv2d(inner + c.condition_dim, inner, 3, 1, 1, bias=False),
            nn.BatchNorm2d(inner),
            nn.ReLU(True),
            *[ResidualBlock(inner, "batch") for _ in range(c.residual_blocks)],
        )
        ups: list[nn.Module] = []
        width = inner
        for _ in range(int(math.log2(c.image_size // (c.stage1_size // 2)))):
            out = max(c.width // 2, width // 2)
            ups += [
                nn.Upsample(scale_factor=2, mode="nearest"),
                nn.Conv2d(width, out, 3, 1, 1, bias=False),
                nn.BatchNorm2d(out),
                nn.ReLU(True),
            ]
            width = out
        self.up = nn.Sequential(*ups, nn.Conv2d(width, channels, 3, 1, 1), nn.Tanh())
        self.apply(init_dcgan_weights)

    def forward(self, low: Tensor, embedding: Tensor, eps: Tensor) -> tuple[Tensor, Tensor]:
        condition, kl = self.augment(embedding, eps)
        h = self.encode(low)
        return self.up(self.join(torch.cat([h, condition_planes(condition, h)], dim=1))), kl


class CaptionDiscriminator(nn.Module):
    """Compresses φt (as the paper), then the shared matching-aware discriminator."""

    def __init__(self, c: StackGANConfig, size: int, channels: int):
        super().__init__()
        self.compress = nn.Sequential(
            nn.Linear(c.embedding_dim, c.d_condition_dim), nn.LeakyReLU(0.2, True)
        )
        self.match = MatchingDiscriminator(
            size, channels, c.d_condition_dim, c.design, c.width, fusion=c.d_fusion
        )

    def forward(self, x: Tensor, embedding: Tensor) -> tuple[Tensor, Tensor | None]:
        return self.match(x, self.compress(embedding))


class StackGAN(Variant):
    id = "stackgan"
    Config: ClassVar[type[StackGANConfig]] = StackGANConfig
    data_kinds = (DataKind.CAPTIONED_IMAGES,)
    default_data = "shapes-captions"
    sample_network = "stage2"
    quick_settings: ClassVar[dict] = {
        "encoder_steps": 1,
        "stage1_steps": 1,
        "stage2_steps": 1,
        "width": 8,
        "embedding_dim": 8,
        "condition_dim": 4,
        "z_dim": 4,
        "residual_blocks": 1,
    }
    config: StackGANConfig

    def __init__(self, config, data, runtime):
        if config.mismatch == "closest" and not config.mismatched:
            raise ConfigError(
                "stackgan: mismatch=closest chooses wrong captions; mismatched=false has none"
            )
        if config.mismatch == "closest" and "attributes" not in data.extra:
            raise ConfigError(
                f"stackgan: mismatch=closest needs data with attributes, which {data.spec} has not"
            )
        super().__init__(config, data, runtime)
        self.loss = adversarial_loss(config.loss)

    def build_networks(self) -> dict[str, nn.Module]:
        c, channels = self.config, self.data.shape[0]
        if c.image_size not in (32, 64) or c.image_size // c.stage1_size not in (2, 4):
            raise ConfigError(
                "stackgan: image_size must be 32 or 64 and 2 or 4 times stage1_size "
                f"(got {c.image_size} and {c.stage1_size})"
            )
        self.sentences = None
        networks: dict[str, nn.Module] = {}
        if c.text_encoder == "zoo":
            tokens = self.data.extra["tokens"]
            networks["text_encoder"] = CaptionEncoder(
                len(tokens), c.embedding_dim, pad=tokens.index(PAD)
            )
            networks["image_encoder"] = ImageEncoder(c.image_size, channels, c.embedding_dim)
        else:
            self.sentences = sentence_encoder(c.text_encoder)
            c.embedding_dim = self.sentences.dim
        networks["stage1"] = StageOneGenerator(c, channels)
        networks["stage1_discriminator"] = CaptionDiscriminator(c, c.stage1_size, channels)
        networks["stage2"] = StageTwoGenerator(c, channels)
        networks["stage2_discriminator"] = CaptionDiscriminator(c, c.image_size, channels)
        return networks

    def build_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        c = self.config

        def adam(name: str, lr: float) -> torch.optim.Optimizer:
            return self.runtime.optimizer(self.networks[name].parameters(), lr=lr, betas=c.betas)

        optimizers = {
            "stage1": adam("stage1", c.lr_g),
            "stage1_discriminator": adam("stage1_discriminator", c.lr_d),
            "stage2": adam("stage2", c.lr_g),
            "stage2_discriminator": adam("stage2_discriminator", c.lr_d),
        }
        if "text_encoder" in self.networks:
            encoders = [*self.networks["text_encoder"].parameters()]
            encoders += self.networks["image_encoder"].parameters()
            optimizers["encoder"] = self.runtime.optimizer(encoders, lr=c.encoder_lr)
        return optimizers

    @property
    def encoder_steps(self) -> int:
        return self.config.encoder_steps if self.sentences is None else 0

    def embed(self, captions: Tensor) -> Tensor:
        """φt for N×L caption tokens, from the (now fixed) caption encoder."""
        if self.sentences is not None:
            return self.sentences.encode(decode(captions, self.data)).to(self.device).float()
        encoder = self.networks["text_encoder"]
        was_training = encoder.training
        encoder.eval()
        with torch.no_grad():
            embedding = encoder(captions)
        encoder.train(was_training)
        return embedding

    def _one_caption(self, captions: Tensor) -> Tensor:
        """One of each image's K captions, at random."""
        rows = torch.arange(len(captions), device=captions.device)
        return captions[rows, self.runtime.randint(captions.shape[1], len(captions))]

    def _encoder_step(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        text = self.text_encoder(self._one_caption(batch["captions"]))
        loss = matching_loss(text, self.image_encoder(batch["x"]))
        optimizer = self.optimizers["encoder"]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return {"match_loss": loss.detach()}

    def _noise(self, n: int) -> tuple[Tensor, Tensor, Tensor]:
        c = self.config
        return (
            self.runtime.noise(n, c.z_dim),
            self.runtime.noise(n, c.condition_dim),
            self.runtime.noise(n, c.condition_dim),
        )

    def _wrong_captions(self, embedding: Tensor, batch: dict[str, Tensor]) -> Tensor:
        """Another image's caption for each real image."""
        if self.config.mismatch == "random":
            return embedding.roll(1, dims=0)
        n = len(embedding)
        return embedding[
            matching.closest_mismatches(batch["attributes"], self.runtime.uniform(n, n))
        ]

    def _stage_step(self, stage: int, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        c = self.config
        real = batch["x"] if stage == 2 else resize_images(batch["x"], c.stage1_size)
        embedding = self.embed(self._one_caption(batch["captions"]))
        wrong = self._wrong_captions(embedding, batch) if c.mismatched else None
        z, eps1, eps2 = self._noise(len(real))
        if stage == 1:
            fake, kl = self.stage1(z, embedding, eps1)
        else:
            self.networks["stage1"].eval()  # fixed while stage II learns
            with torch.no_grad():
                low, _ = self.stage1(z, embedding, eps1)
            fake, kl = self.stage2(low, embedding, eps2)
        name = f"stage{stage}"
        D = getattr(self, f"{name}_discriminator")
        d_loss = matching.discriminator_loss(
            D, self.loss, real, fake.detach(), embedding, wrong, c.design
        )
        self.optimizers[f"{name}_discriminator"].zero_grad(set_to_none=True)
        d_loss.backward()
        self.optimizers[f"{name}_discriminator"].step()
        with self.runtime.frozen(self.networks[f"{name}_discriminator"]):
            adversarial = matching.generator_loss(D, self.loss, fake, embedding, c.design)
            g_loss = adversarial + c.kl_weight * kl
            self.optimizers[name].zero_grad(set_to_none=True)
            g_loss.backward()
        self.optimizers[name].step()
        if stage == 2:
            self.networks["stage2"].trained_steps += 1
        return {"d_loss": d_loss.detach(), "g_loss": adversarial.detach(), "kl": kl.detach()}

    def train_step(self, next_batch: NextBatch, step: int) -> dict[str, Tensor]:
        if step < self.encoder_steps:
            return self._encoder_step(next_batch())
        stage = 1 if step < self.encoder_steps + self.config.stage1_steps else 2
        return self._stage_step(stage, next_batch())

    def _captions(self, n: int, labels: Tensor | None, rng: torch.Generator | None) -> Tensor:
        if labels is None:
            preview = torch.tensor(self.data.extra["preview"], device=self.device)
            return preview[torch.randint(len(preview), (n,), device=self.device, generator=rng)]
        if labels.dim() != 2 or labels.is_floating_point() or len(labels) != n:
            raise ConfigError(
                f"{self.id} takes captions: {n} rows of token ids (ganzoo.data.captions."
                "encode_text), not class labels"
            )
        return labels.to(self.device)

    @torch.no_grad()
    def stages(
        self, n: int, captions: Tensor | None = None, seed: int | None = None
    ) -> tuple[Tensor, Tensor]:
        """Stage-I images upsampled to stage II's side and the stage-II images drawn from them,
        for the same captions and noise."""
        rng = torch.Generator(device=self.device).manual_seed(seed) if seed is not None else None
        stage1, stage2 = self.networks["stage1"], self.ema.get("stage2") or self.networks["stage2"]
        modes = stage1.training, stage2.training
        stage1.eval()
        stage2.eval()
        try:
            low, high = self._draw(stage1, stage2, n, captions, rng)
        finally:
            stage1.train(modes[0])
            stage2.train(modes[1])
        return resize_images(low, self.config.image_size), high

    def _draw(self, stage1, stage2, n, captions, rng) -> tuple[Tensor, Tensor]:
        c = self.config
        embedding = self.embed(self._captions(n, captions, rng))

        def noise(dim: int) -> Tensor:
            return torch.randn(n, dim, device=self.device, generator=rng)

        low, _ = stage1(noise(c.z_dim), embedding, noise(c.condition_dim))
        high, _ = stage2(low, embedding, noise(c.condition_dim))
        return low, high

    def generate(self, generator, n, labels, rng) -> Tensor:
        """Stage II's images once it has trained; until then stage I's, upsampled."""
        stage1 = self.networks["stage1"]
        was_training = stage1.training
        stage1.eval()
        try:
            low, high = self._draw(stage1, generator, n, labels, rng)
        finally:
            stage1.train(was_training)
        if int(generator.trained_steps) == 0:
            return resize_images(low, self.config.image_size)
        return high

    def evaluation_conditions(self, data: TensorData, n: int) -> Tensor:
        """The real split's captions in turn (caption k of every image, then k + 1...), so the
        generated set follows the real attribute distribution."""
        captions = (data.test or data.train)["captions"]
        index = torch.arange(n)
        return captions[index % len(captions), (index // len(captions)) % captions.shape[1]].to(
            self.device
        )

    def grid_conditions(self, n: int) -> tuple[Tensor, int]:
        """A row of samples per preview caption."""
        preview = torch.tensor(self.data.extra["preview"], device=self.device)
        per_caption = max(1, n // len(preview))
        return preview.repeat_interleave(per_caption, dim=0), per_caption


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_variants() -> list[type]:
    return [StackGAN]
