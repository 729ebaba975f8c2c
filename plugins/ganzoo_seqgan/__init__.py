"""`seqgan` — Yu et al., AAAI 2017: tokens are discrete, so G is trained by policy gradient
with D's probability of "real" as the reward (LECTURES.md section 3).

1. pre-train G by maximum likelihood                                  (mle_steps batches)
2. pre-train D on real sequences vs fresh samples of G                  (d_pretrain_steps)
3. each adversarial round:
     Y ~ G;  Q(Y_1:t, y_t+1) = mean of D over N Monte-Carlo completions of Y_1:t+1 by the
     rollout network (the final token: D(Y) itself)
     G ascends  sum_t log G(y_t | Y_1:t-1) Q_t                         (REINFORCE, no baseline)
     rollout <- rate * rollout + (1 - rate) * G                         (it trails G)
     D takes d_steps batches of real vs fresh samples

The engine's steps count MLE batches, then D batches, then adversarial rounds.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import Tensor, nn

from ganzoo import PLUGIN_API_VERSION, hookimpl
from ganzoo.contracts import DataKind, NextBatch, Variant, VariantConfig
from ganzoo.errors import ConfigError
from ganzoo.nn.ema import EMA
from ganzoo.nn.sequence import LSTMLanguageModel, TokenCNN, token_log_likelihood

DISCRIMINATORS = {
    # the paper's: 12 widths, 1,720 filters
    "paper": ((1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20), (100, 200, 200, 200, 200) + (100,) * 5 + (160, 160)),
    "small": ((1, 2, 3, 5, 10, 20), (32,) * 6),
}  # fmt: skip


class SeqGANConfig(VariantConfig):
    embedding_dim: int = Field(32, ge=1, description="G's token embedding")
    hidden_dim: int = Field(32, ge=1, description="G's LSTM width")
    g_init_std: float = Field(
        0.1,
        gt=0,
        description="every parameter of G drawn from N(0, std), as the paper's code (torch's "
        "default initialisation left MLE on a higher plateau)",
    )
    g_lr: float = Field(0.01, gt=0, description="G's Adam rate (MLE and policy gradient)")
    grad_clip: float = Field(5.0, gt=0, description="G's gradient norm clip")
    mle_steps: int = Field(18750, ge=0, description="MLE batches (18,750 = 120 epochs of 10k)")
    d_pretrain_steps: int = Field(3000, ge=0, description="D batches before adversarial rounds")
    rollouts: int = Field(16, ge=1, description="Monte-Carlo completions per prefix (N)")
    rollout_rate: float = Field(0.8, ge=0, lt=1, description="how much the rollout net keeps")
    d_steps: int = Field(
        5,
        ge=1,
        description="D batches per adversarial round (the paper's code: 4,680); 5 ended lower "
        "on the paper's oracle than 15 or 150, whose D left G rewards near 0 (BENCHMARKS.md)",
    )
    discriminator: Literal["paper", "small"] = Field(
        "small", description="paper: 12 widths, 1,720 filters; small: 6 widths, 192 filters"
    )
    d_embedding_dim: int = Field(64, ge=1, description="D's token embedding")
    d_dropout: float = Field(0.25, ge=0, lt=1, description="dropout before D's score")
    d_l2: float = Field(0.2, ge=0, description="L2 penalty on D's score layer (weight, bias)")
    d_lr: float = Field(1e-4, gt=0, description="D's Adam rate")
    reward_chunk: int = Field(512, ge=1, description="sequences D scores at once in rollouts")


@torch.no_grad()
def monte_carlo_rewards(
    policy: LSTMLanguageModel,
    realness: nn.Module,
    sequences: Tensor,
    rollouts: int,
    chunk: int = 512,
) -> Tensor:
    """Q for every position (B×T): the mean realness of `rollouts` completions of each prefix,
    the whole sequence's own realness for the last token.

    All prefixes and all completions advance together, one LSTM step per time step: the
    completions of prefix length t join the batch at step t from the policy's teacher-forced
    state, so nothing is looped per sample or per prefix.
    """
    batch, length = sequences.shape
    group = rollouts * batch
    hs, cs = policy.prefix_states(sequences)
    completed = sequences.repeat(length - 1, rollouts, 1).reshape(-1, length)
    state, token = None, None
    for t in range(1, length):
        joining = (hs[t].repeat(rollouts, 1), cs[t].repeat(rollouts, 1))
        if state is None:
            state = joining
        else:
            running = policy.advance(token, state)
            state = (torch.cat([running[0], joining[0]]), torch.cat([running[1], joining[1]]))
        token = policy.draw(state[0])
        completed[: t * group, t] = token
    scores = torch.cat([torch.sigmoid(realness(part).float()) for part in completed.split(chunk)])
    prefix_rewards = scores.view(length - 1, rollouts, batch).mean(1).T
    final = torch.sigmoid(realness(sequences).float())
    return torch.cat([prefix_rewards, final[:, None]], dim=1)


class SeqGAN(Variant):
    id = "seqgan"
    Config: ClassVar[type[SeqGANConfig]] = SeqGANConfig
    quick_settings: ClassVar[dict] = {
        "mle_steps": 1,
        "d_pretrain_steps": 1,
        "rollouts": 2,
        "d_steps": 1,
    }
    data_kinds = (DataKind.TOKENS,)
    default_data = "oracle"
    config: SeqGANConfig

    def __init__(self, config, data, runtime):
        super().__init__(config, data, runtime)
        self.rollout = EMA(self.networks["generator"], config.rollout_rate)

    def build_networks(self) -> dict[str, nn.Module]:
        c, extra, length = self.config, self.data.extra, self.data.shape[0]
        vocabulary = extra["vocabulary_size"]
        widths, filters = DISCRIMINATORS[c.discriminator]
        usable = [(w, f) for w, f in zip(widths, filters, strict=True) if w <= length]
        if not usable:
            raise ConfigError(f"sequences of length {length} are shorter than every filter width")
        generator = LSTMLanguageModel(
            vocabulary, c.embedding_dim, c.hidden_dim, length, extra.get("start_token", 0)
        )
        with torch.no_grad():
            for parameter in generator.parameters():
                parameter.normal_(0, c.g_init_std)
        discriminator = TokenCNN(
            vocabulary, c.d_embedding_dim, *map(tuple, zip(*usable, strict=True)), c.d_dropout
        )
        return {"generator": generator, "discriminator": discriminator}

    def build_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """MLE and policy gradient get an Adam each, as in the paper's code: moments carried over
        from MLE's larger gradients would shrink the first thousand policy steps."""
        c = self.config
        return {
            "generator": self.runtime.optimizer(self.generator.parameters(), lr=c.g_lr),
            "policy": self.runtime.optimizer(self.generator.parameters(), lr=c.g_lr),
            "discriminator": self.runtime.optimizer(self.discriminator.parameters(), lr=c.d_lr),
        }

    def state_modules(self) -> dict[str, nn.Module]:
        return {"rollout": self.rollout.shadow}

    def generate(self, generator, n, labels, rng) -> Tensor:
        return generator.sample(n, rng)

    def _generator_update(self, loss: Tensor, optimizer: torch.optim.Optimizer) -> None:
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(self.networks["generator"].parameters(), self.config.grad_clip)
        optimizer.step()

    def _discriminator_step(self, real: Tensor, fake: Tensor) -> Tensor:
        scores = self.discriminator(torch.cat([real, fake]))
        targets = torch.cat([torch.ones(len(real)), torch.zeros(len(fake))]).to(scores)
        loss = F.binary_cross_entropy_with_logits(scores.float(), targets)
        score_layer = self.networks["discriminator"].score.parameters()
        loss = loss + self.config.d_l2 * 0.5 * sum(p.square().sum() for p in score_layer)
        optimizer = self.optimizers["discriminator"]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.detach()

    def _adversarial_round(self, next_batch: NextBatch) -> dict[str, Tensor]:
        reals = [next_batch()["x"] for _ in range(self.config.d_steps)]
        generator = self.networks["generator"]
        sequences = generator.sample(len(reals[0]))
        critic = self.networks["discriminator"]
        critic.eval()
        rewards = monte_carlo_rewards(
            self.rollout.shadow, critic, sequences, self.config.rollouts, self.config.reward_chunk
        )
        critic.train()
        g_loss = -(token_log_likelihood(self.generator(sequences), sequences) * rewards).mean()
        self._generator_update(g_loss, self.optimizers["policy"])
        self.rollout.update(generator)
        # G is fixed while D trains: draw every batch's negatives in one pass
        fakes = generator.sample(len(reals) * len(reals[0])).split(len(reals[0]))
        d_loss = torch.stack(
            [self._discriminator_step(real, fake) for real, fake in zip(reals, fakes, strict=True)]
        )
        return {"g_loss": g_loss.detach(), "d_loss": d_loss.mean(), "reward": rewards.mean()}

    def train_step(self, next_batch: NextBatch, step: int) -> dict[str, Tensor]:
        c = self.config
        if step < c.mle_steps:
            real = next_batch()["x"]
            mle_loss = -token_log_likelihood(self.generator(real), real).mean()
            self._generator_update(mle_loss, self.optimizers["generator"])
            return {"mle_loss": mle_loss.detach()}
        if step < c.mle_steps + c.d_pretrain_steps:
            real = next_batch()["x"]
            return {
                "d_loss": self._discriminator_step(
                    real, self.networks["generator"].sample(len(real))
                )
            }
        if step == c.mle_steps + c.d_pretrain_steps:
            self.rollout.shadow.load_state_dict(self.networks["generator"].state_dict())
        return self._adversarial_round(next_batch)


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_variants() -> list[type]:
    return [SeqGAN]
