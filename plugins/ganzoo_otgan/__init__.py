"""`otgan` — Salimans, Zhang, Radford & Metaxas, ICLR 2018, "Improving GANs using optimal
transport" (Algorithm 1):

    for each iteration:
        sample two real minibatches X, X' and two generated ones Y, Y'
        W_c(A, B): entropy-regularised OT (Sinkhorn) under c = 1 - cos(v(a), v(b)),
                   v the learned critic embedding
        MED = W_c(X, Y) + W_c(X, Y') + W_c(X', Y) + W_c(X', Y') - 2 W_c(X, X') - 2 W_c(Y, Y')
        every `generator_steps`-th iteration the critic ascends MED; the generator descends it
        (less W_c(X, X'), which it cannot move: one Sinkhorn problem in six saved)

The minibatch energy distance stays a proper metric with a learned cost because the critic
only changes the embedding, and large batches make the minibatch estimate less biased. Sinkhorn
lives in core (`ganzoo.transport`).
"""

from __future__ import annotations

from typing import ClassVar

import torch
from pydantic import Field
from torch import Tensor, nn

from ganzoo import PLUGIN_API_VERSION, hookimpl
from ganzoo.contracts import DataKind, NextBatch, Variant, VariantConfig
from ganzoo.errors import ConfigError
from ganzoo.nn.dcgan import DCGANBody, DCGANGenerator
from ganzoo.nn.mlp import MLPGenerator, mlp_trunk
from ganzoo.nn.norms import Norm
from ganzoo.schedule import LinearDecay
from ganzoo.transport import cosine_cost, sinkhorn_cost


class OTGANConfig(VariantConfig, LinearDecay):
    z_dim: int = Field(64, ge=1, description="latent (noise) dimension")
    lr: float = Field(3e-4, gt=0, description="Adam learning rate, both networks (the paper's)")
    betas: tuple[float, float] = Field((0.5, 0.999), description="Adam betas")
    epsilon: float = Field(
        0.01, gt=0, description="Sinkhorn entropy regularisation, on a cosine cost in [0, 2]"
    )
    sinkhorn_iterations: int = Field(100, ge=1, description="log-domain Sinkhorn iterations")
    epsilon_start: float | None = Field(
        None,
        gt=0,
        description="epsilon-scaling: the first Sinkhorn iteration's epsilon, decaying to epsilon"
        " over the first half (2 = the cosine cost's diameter); None: all at epsilon",
    )
    generator_steps: int = Field(3, ge=1, description="generator steps per critic step")
    embedding: int = Field(64, ge=1, description="critic embedding dimension")
    image_size: int = Field(16, description="image side for image data (16, 32 or 64)")
    channels: int | None = Field(None, description="image channels; None = the data's own")
    width: int = Field(64, ge=4, description="DCGAN base channel width")
    critic_norm: Norm = Field("none", description="critic normalisation (image critic)")
    hidden: int = Field(128, ge=1, description="MLP hidden units")
    depth: int = Field(3, ge=1, description="MLP hidden layers")


class OTGAN(Variant):
    id = "otgan"
    Config: ClassVar[type[OTGANConfig]] = OTGANConfig
    data_kinds = (DataKind.POINTS, DataKind.IMAGES, DataKind.LABELLED_IMAGES)
    default_data = "grid25"
    config: OTGANConfig

    def build_networks(self) -> dict[str, nn.Module]:
        c = self.config
        if self.data.kind == DataKind.POINTS:
            generator = MLPGenerator(c.z_dim, self.data.shape, c.hidden, c.depth)
            trunk, features = mlp_trunk(self.data.shape, c.hidden, c.depth), c.hidden
        else:
            channels, size = self.data.shape[0], self.data.shape[-1]
            generator = DCGANGenerator(c.z_dim, size, channels, c.width)
            trunk = DCGANBody(size, channels, c.width, c.critic_norm)
            features = trunk.features
        return {
            "generator": generator,
            "critic": nn.Sequential(trunk, nn.Linear(features, c.embedding)),
        }

    def build_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {
            name: self.runtime.optimizer(
                net.parameters(), lr=self.config.lr, betas=self.config.betas
            )
            for name, net in self.networks.items()
        }

    def energy_distance(self, next_batch: NextBatch, with_real_pair: bool = True) -> Tensor:
        """MED; without `with_real_pair`, less its 2 W_c(X, X') term (for the generator, whose
        gradient it does not change)."""
        x, x2 = next_batch()["x"], next_batch()["x"]
        y, y2 = self.generator(self.runtime.noise(2 * len(x), self.config.z_dim)).chunk(2)
        vx, vx2, vy, vy2 = self.critic(torch.cat([x, x2, y, y2])).chunk(4)
        across = [(vx, vy), (vx, vy2), (vx2, vy), (vx2, vy2)]
        within = [(vx, vx2), (vy, vy2)] if with_real_pair else [(vy, vy2)]
        costs = torch.stack([cosine_cost(a, b) for a, b in across + within])  # one solve
        c = self.config
        w = sinkhorn_cost(costs, c.epsilon, c.sinkhorn_iterations, c.epsilon_start)
        distance = w[:4].sum()
        for w_within in w[4:]:
            distance = distance - 2 * w_within
        return distance

    def train_step(self, next_batch: NextBatch, step: int) -> dict[str, Tensor]:
        losses = {}
        if step % self.config.generator_steps == 0:
            with self.runtime.frozen(self.networks["generator"]):
                critic_loss = -self.energy_distance(next_batch)
            self.optimizers["critic"].zero_grad(set_to_none=True)
            critic_loss.backward()
            self.optimizers["critic"].step()
            losses["critic_loss"] = critic_loss.detach()
        with self.runtime.frozen(self.networks["critic"]):
            g_loss = self.energy_distance(next_batch, with_real_pair=False)
            self.optimizers["generator"].zero_grad(set_to_none=True)
            g_loss.backward()
        self.optimizers["generator"].step()
        return losses | {"g_loss": g_loss.detach()}

    def generate(
        self, generator: nn.Module, n: int, labels: Tensor | None, rng: torch.Generator | None
    ) -> Tensor:
        if labels is not None:
            raise ConfigError("otgan is unconditional; it takes no labels")
        return generator(torch.randn(n, self.config.z_dim, device=self.device, generator=rng))


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_variants() -> list[type]:
    return [OTGAN]
