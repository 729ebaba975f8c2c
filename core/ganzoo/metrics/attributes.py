"""Attribute accuracy of text-to-image models: a classifier trained on real renders (never on
generated images) reads each attribute of a generated image (shape, colour, size, position
for `shapes-captions`), and the score is how often it reads what the caption asked for."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ganzoo.metrics.classifier import DomainClassifier, fit_classifier


class AttributeClassifier:
    """One head per attribute on the domain classifier's body (one logit block each)."""

    def __init__(self, network: DomainClassifier, sizes: dict[str, int]):
        self.network = network
        self.sizes = sizes

    def predict(self, images: Tensor) -> Tensor:
        """N×A attribute indices."""
        device = next(self.network.parameters()).device
        _, probs = self.network.embed(images.float().to(device))
        blocks = probs.split(list(self.sizes.values()), dim=1)
        return torch.stack([block.argmax(dim=1) for block in blocks], dim=1).cpu()

    def accuracy(self, images: Tensor, attributes: Tensor) -> dict[str, float]:
        """Per attribute, their mean, and the share of images with every attribute right."""
        right = self.predict(images) == attributes.cpu()
        scores = {name: float(right[:, i].float().mean()) for i, name in enumerate(self.sizes)}
        scores["mean"] = sum(scores.values()) / len(self.sizes)
        scores["all"] = float(right.all(dim=1).float().mean())
        return scores


def train_attribute_classifier(
    images: Tensor,
    attributes: Tensor,
    sizes: dict[str, int],
    epochs: int = 10,
    seed: int = 0,
    device: str | torch.device = "cpu",
) -> AttributeClassifier:
    def loss_of(logits: Tensor, targets: Tensor) -> Tensor:
        blocks = logits.split(list(sizes.values()), dim=1)
        return sum(F.cross_entropy(b, targets[:, i]) for i, b in enumerate(blocks))

    torch.manual_seed(seed)
    network = DomainClassifier(images.shape[1], images.shape[-1], sum(sizes.values())).to(device)
    images, attributes = images.float().to(device), attributes.to(device)
    return AttributeClassifier(
        fit_classifier(network, images, attributes, loss_of, epochs, seed), sizes
    )
