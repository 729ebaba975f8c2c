"""The domain classifier: a small CNN the zoo trains on a labelled dataset (never on generated
data), giving class probabilities for IS and penultimate features for FID/KID/PR/DC, so every
built-in dataset is evaluated offline. Trained once per dataset and cached by its hash."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor, nn

from ganzoo.contracts import TensorData
from ganzoo.engine.tensorio import load_tensors, save_tensors
from ganzoo.errors import DataError
from ganzoo.plugins import zoo_home

ARCHITECTURE_VERSION = "domain-cnn-1"


class DomainClassifier(nn.Module):
    def __init__(self, channels: int, image_size: int, num_classes: int, width: int = 32):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(2 * width * (image_size // 4) ** 2, 128), nn.ReLU(),
        )  # fmt: skip
        self.head = nn.Linear(128, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.body(x))

    @torch.no_grad()
    def embed(self, x: Tensor, batch: int = 512) -> tuple[Tensor, Tensor]:
        """(penultimate features, class probabilities) in eval mode."""
        self.eval()
        features, probs = [], []
        for start in range(0, len(x), batch):
            h = self.body(x[start : start + batch].float())
            features.append(h)
            probs.append(self.head(h).softmax(dim=1))
        return torch.cat(features), torch.cat(probs)


def dataset_hash(data: TensorData) -> str:
    digest = hashlib.sha256(ARCHITECTURE_VERSION.encode())
    for key in sorted(data.train):
        digest.update(key.encode())
        digest.update(data.train[key].contiguous().cpu().numpy().tobytes())
    return digest.hexdigest()[:16]


def train_domain_classifier(data: TensorData, epochs: int = 15, seed: int = 0) -> DomainClassifier:
    x, y = data.train.get("x"), data.train.get("y")
    if x is None or y is None or x.dim() != 4:
        raise DataError(f"{data.info.spec}: the domain classifier needs labelled images")
    torch.manual_seed(seed)
    model = DomainClassifier(x.shape[1], x.shape[-1], data.info.num_classes)
    return fit_classifier(model, x, y, nn.functional.cross_entropy, epochs, seed)


def fit_classifier(
    model: DomainClassifier,
    x: Tensor,
    targets: Tensor,
    loss_of: Callable[[Tensor, Tensor], Tensor],
    epochs: int,
    seed: int,
) -> DomainClassifier:
    """Adam with a one-cycle schedule, batches of 64, one-pixel jitter; `loss_of(logits,
    targets)` lets one loop serve single-label and multi-attribute heads."""
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=2e-3, total_steps=epochs * ((len(x) + 63) // 64)
    )
    rng = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=rng)
        for start in range(0, len(x), 64):
            batch = order[start : start + 64]
            loss = loss_of(model(_jitter(x[batch], rng)), targets[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
    return model.eval()


def _jitter(images: Tensor, rng: torch.Generator) -> Tensor:
    """A random shift of up to one pixel: a cheap augmentation that helps on 1,400 digits."""
    dy, dx = torch.randint(-1, 2, (2,), generator=rng).tolist()
    return images.roll(shifts=(dy, dx), dims=(-2, -1))


def domain_classifier(data: TensorData, cache: Path | None = None) -> DomainClassifier:
    """The cached classifier for this dataset, trained on first use."""
    x = data.train["x"]
    path = (cache or zoo_home() / "classifiers") / f"{dataset_hash(data)}.safetensors"
    model = DomainClassifier(x.shape[1], x.shape[-1], data.info.num_classes)
    if path.exists():
        model.load_state_dict(load_tensors(path))
        return model.eval()
    model = train_domain_classifier(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_tensors(path, model.state_dict())
    return model


def accuracy(model: DomainClassifier, images: Tensor, labels: Tensor) -> float:
    _, probs = model.embed(images)
    return float((probs.argmax(dim=1) == labels).float().mean())
