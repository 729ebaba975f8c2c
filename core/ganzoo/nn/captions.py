"""The zoo's own caption encoder, learned offline on the dataset's captions: a joint
image–text embedding trained with a symmetric matching loss (each caption must pick its own
image out of the batch and each image its caption), in the spirit of Reed et al. 2016's
char-CNN-RNN that StackGAN used. Text-to-image variants condition on its output.

A pretrained sentence encoder a user has installed plugs in through the entry-point group
`ganzoo.sentence_encoders`: a zero-argument factory returning an object with `dim` and
`encode(list[str]) -> Tensor` (N×dim).
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganzoo.errors import ConfigError
from ganzoo.nn.dcgan import DCGANBody

SENTENCE_ENCODERS = "ganzoo.sentence_encoders"


class CaptionEncoder(nn.Module):
    """Word embeddings, a bidirectional GRU, the mean over the caption's words, a projection."""

    def __init__(self, vocabulary: int, dim: int, hidden: int = 128, pad: int = 0):
        super().__init__()
        self.pad = pad
        self.embed = nn.Embedding(vocabulary, hidden, padding_idx=pad)
        self.rnn = nn.GRU(hidden, hidden, batch_first=True, bidirectional=True)
        self.project = nn.Linear(2 * hidden, dim)

    def forward(self, tokens: Tensor) -> Tensor:
        states, _ = self.rnn(self.embed(tokens))
        words = (tokens != self.pad).unsqueeze(2).to(states.dtype)
        pooled = (states * words).sum(1) / words.sum(1).clamp(min=1)
        return F.normalize(self.project(pooled), dim=1)


class ImageEncoder(nn.Module):
    """The image side of the joint embedding (used only while the caption encoder learns)."""

    def __init__(self, image_size: int, channels: int, dim: int, width: int = 32):
        super().__init__()
        self.body = DCGANBody(image_size, channels, width, "batch")
        self.project = nn.Linear(self.body.features, dim)

    def forward(self, images: Tensor) -> Tensor:
        return F.normalize(self.project(self.body(images)), dim=1)


def matching_loss(text: Tensor, images: Tensor, temperature: float = 0.1) -> Tensor:
    """Symmetric cross-entropy over the batch's caption–image similarities (CLIP's loss)."""
    logits = text @ images.T / temperature
    targets = torch.arange(len(text), device=text.device)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2


@runtime_checkable
class SentenceEncoder(Protocol):
    dim: int

    def encode(self, captions: list[str]) -> Tensor: ...


def sentence_encoder(name: str) -> SentenceEncoder:
    """An installed pretrained encoder by its entry-point name."""
    found = {ep.name: ep for ep in entry_points(group=SENTENCE_ENCODERS)}
    if name not in found:
        have = ", ".join(sorted(found)) or "none installed"
        raise ConfigError(
            f"text_encoder {name!r}: no sentence encoder of that name in the "
            f"{SENTENCE_ENCODERS!r} entry points ({have}); 'zoo' trains the built-in one"
        )
    encoder = found[name].load()()
    if not isinstance(encoder, SentenceEncoder):
        raise ConfigError(f"sentence encoder {name!r} lacks dim and encode(list[str])")
    return encoder
