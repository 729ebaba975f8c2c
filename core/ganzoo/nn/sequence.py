"""Networks over token sequences: an LSTM language model (a text generator, and the SeqGAN
oracle) and a CNN classifier over token embeddings (a text discriminator, Kim 2014 with a
highway layer as in SeqGAN)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

State = tuple[Tensor, Tensor]


def sample_tokens(logits: Tensor, rng: torch.Generator | None = None) -> Tensor:
    """One token per row from softmax(logits), by inverting the cumulative distribution
    (on a CPU, 8x faster than torch.multinomial over 5,000 tokens)."""
    weights = (logits.float() - logits.float().amax(1, keepdim=True)).exp_().cumsum_(1)
    u = torch.rand(len(logits), 1, generator=rng, device=logits.device) * weights[:, -1:]
    return torch.searchsorted(weights, u).squeeze(1).clamp_(max=logits.shape[1] - 1)


def token_log_likelihood(logits: Tensor, tokens: Tensor) -> Tensor:
    """log p(x_t | x_<t) for every position (B×T) from teacher-forced logits (B×T×V); a
    function of the forward's output, so it works through DDP and compile wrappers."""
    flat = F.cross_entropy(logits.float().flatten(0, 1), tokens.flatten(), reduction="none")
    return -flat.view_as(tokens)


class LSTMLanguageModel(nn.Module):
    """p(x_t | x_<t) with a one-layer LSTM; the first input is `start_token`, h and c start at 0.

    Training runs the fused LSTM over whole sequences; sampling and rollouts step it one token
    at a time from a state, so a completion can start from any prefix.
    """

    def __init__(
        self,
        vocabulary: int,
        embedding_dim: int,
        hidden_dim: int,
        length: int,
        start_token: int = 0,
    ):
        super().__init__()
        self.vocabulary = vocabulary
        self.length = length
        self.start_token = start_token
        self.embedding = nn.Embedding(vocabulary, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, batch_first=True)
        self.output = nn.Linear(hidden_dim, vocabulary)

    def _inputs(self, tokens: Tensor) -> Tensor:
        start = torch.full_like(tokens[:, :1], self.start_token)
        return torch.cat([start, tokens[:, :-1]], dim=1)

    def forward(self, tokens: Tensor) -> Tensor:
        """Teacher-forced logits (B×T×V) of every position of `tokens`."""
        hidden, _ = self.lstm(self.embedding(self._inputs(tokens)))
        return self.output(hidden)

    def log_likelihood(self, tokens: Tensor) -> Tensor:
        return token_log_likelihood(self(tokens), tokens)

    def advance(self, tokens: Tensor, state: State | None) -> State:
        """Feed one token per row; the new (h, c)."""
        if state is not None:
            state = (state[0].unsqueeze(0), state[1].unsqueeze(0))
        _, (h, c) = self.lstm(self.embedding(tokens).unsqueeze(1), state)
        return h.squeeze(0), c.squeeze(0)

    def draw(self, hidden: Tensor, rng: torch.Generator | None = None, chunk: int = 64) -> Tensor:
        """Sample the next token of each row from its hidden state. Rows go through the
        projection and the sampler a few at a time, so the V-wide logits stay in cache
        (2.6x faster than the whole batch at once, 5,000 tokens, on a CPU)."""
        return torch.cat([sample_tokens(self.output(part), rng) for part in hidden.split(chunk)])

    def prefix_states(self, tokens: Tensor) -> State:
        """Teacher-forced states (T×B×H each): the t-th predicts token t from tokens < t."""
        inputs = self._inputs(tokens)
        hs, cs = [], []
        state = None
        for t in range(tokens.shape[1]):
            state = self.advance(inputs[:, t], state)
            hs.append(state[0])
            cs.append(state[1])
        return torch.stack(hs), torch.stack(cs)

    @torch.no_grad()
    def sample(self, n: int, rng: torch.Generator | None = None) -> Tensor:
        device = self.output.weight.device
        token = torch.full((n,), self.start_token, dtype=torch.long, device=device)
        state, tokens = None, []
        for _ in range(self.length):
            state = self.advance(token, state)
            token = self.draw(state[0], rng)
            tokens.append(token)
        return torch.stack(tokens, dim=1)


class Highway(nn.Module):
    """y = t * relu(W x) + (1 - t) * x, with the gate t = sigmoid(W_t x)."""

    def __init__(self, size: int):
        super().__init__()
        self.transform = nn.Linear(size, size)
        self.gate = nn.Linear(size, size)

    def forward(self, x: Tensor) -> Tensor:
        gate = torch.sigmoid(self.gate(x))
        return gate * F.relu(self.transform(x)) + (1 - gate) * x


class TokenCNN(nn.Module):
    """Real-vs-generated logits of token sequences: embeddings, one convolution per filter
    width, max-over-time pooling, a highway layer, dropout, a linear score."""

    def __init__(
        self,
        vocabulary: int,
        embedding_dim: int,
        widths: tuple[int, ...],
        filters: tuple[int, ...],
        dropout: float,
    ):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, embedding_dim)
        self.convolutions = nn.ModuleList(
            nn.Conv1d(embedding_dim, count, width)
            for width, count in zip(widths, filters, strict=True)
        )
        features = sum(filters)
        self.highway = Highway(features)
        self.dropout = nn.Dropout(dropout)
        self.score = nn.Linear(features, 1)

    def forward(self, tokens: Tensor) -> Tensor:
        x = self.embedding(tokens).transpose(1, 2)
        pooled = torch.cat([F.relu(conv(x)).amax(dim=2) for conv in self.convolutions], dim=1)
        return self.score(self.dropout(self.highway(pooled))).squeeze(1)
