"""The FID Inception-v3: the network of the original TensorFlow FID/IS code (the 2015-12-05 graph,
1008 classes), whose pool3 features every published FID is computed on.

It differs from the ImageNet Inception-v3 in three places that change the scores: average pools
that leave padding out of the mean, a max pool in the last block's pool branch, and 1008 output
classes. Module names follow the state-dict keys of pytorch-fid's conversion, so its tensors load
as they are. The weights are read from safetensors only, and only when their hash is the pinned one.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganzoo.errors import ZooError
from ganzoo.hub import PinnedFile, pull_file, sha256_of

FID_INCEPTION = PinnedFile(
    repo_id="nikhilr01/sen-bridge-weights",
    filename="fid_inception.safetensors",
    sha256="b7a528bf4051f62c057bc14657865abf180a23eb1748d00ff0933d84698202ed",
)
INPUT_SIZE = 299
FEATURES = 2048
CLASSES = 1008


class ConvBN(nn.Module):
    """Convolution without bias, batch norm (eps 1e-3, as in TensorFlow) and ReLU."""

    def __init__(self, channels_in: int, channels_out: int, kernel, stride=1, padding=0) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels_in, channels_out, kernel, stride, padding, bias=False)
        self.bn = nn.BatchNorm2d(channels_out, eps=1e-3)

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.bn(self.conv(x)))


def mean_pool(x: Tensor) -> Tensor:
    return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)


def row(channels_in: int, channels_out: int) -> ConvBN:
    return ConvBN(channels_in, channels_out, (1, 7), padding=(0, 3))


def column(channels_in: int, channels_out: int) -> ConvBN:
    return ConvBN(channels_in, channels_out, (7, 1), padding=(3, 0))


class MixedA(nn.Module):
    """35 x 35: 1x1, 5x5, double 3x3 and pooled branches."""

    def __init__(self, channels_in: int, pool_channels: int) -> None:
        super().__init__()
        self.branch1x1 = ConvBN(channels_in, 64, 1)
        self.branch5x5_1 = ConvBN(channels_in, 48, 1)
        self.branch5x5_2 = ConvBN(48, 64, 5, padding=2)
        self.branch3x3dbl_1 = ConvBN(channels_in, 64, 1)
        self.branch3x3dbl_2 = ConvBN(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = ConvBN(96, 96, 3, padding=1)
        self.branch_pool = ConvBN(channels_in, pool_channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        double = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat(
            [
                self.branch1x1(x),
                self.branch5x5_2(self.branch5x5_1(x)),
                double,
                self.branch_pool(mean_pool(x)),
            ],
            dim=1,
        )


class ReductionB(nn.Module):
    """35 -> 17: strided 3x3, strided double 3x3 and a max pool."""

    def __init__(self, channels_in: int) -> None:
        super().__init__()
        self.branch3x3 = ConvBN(channels_in, 384, 3, stride=2)
        self.branch3x3dbl_1 = ConvBN(channels_in, 64, 1)
        self.branch3x3dbl_2 = ConvBN(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = ConvBN(96, 96, 3, stride=2)

    def forward(self, x: Tensor) -> Tensor:
        double = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([self.branch3x3(x), double, F.max_pool2d(x, 3, stride=2)], dim=1)


class MixedC(nn.Module):
    """17 x 17: 7x7 convolutions factorised into 1x7 and 7x1."""

    def __init__(self, channels_in: int, width: int) -> None:
        super().__init__()
        self.branch1x1 = ConvBN(channels_in, 192, 1)
        self.branch7x7_1 = ConvBN(channels_in, width, 1)
        self.branch7x7_2 = row(width, width)
        self.branch7x7_3 = column(width, 192)
        self.branch7x7dbl_1 = ConvBN(channels_in, width, 1)
        self.branch7x7dbl_2 = column(width, width)
        self.branch7x7dbl_3 = row(width, width)
        self.branch7x7dbl_4 = column(width, width)
        self.branch7x7dbl_5 = row(width, 192)
        self.branch_pool = ConvBN(channels_in, 192, 1)

    def forward(self, x: Tensor) -> Tensor:
        single = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        double = self.branch7x7dbl_1(x)
        for layer in (
            self.branch7x7dbl_2,
            self.branch7x7dbl_3,
            self.branch7x7dbl_4,
            self.branch7x7dbl_5,
        ):
            double = layer(double)
        return torch.cat([self.branch1x1(x), single, double, self.branch_pool(mean_pool(x))], dim=1)


class ReductionD(nn.Module):
    """17 -> 8: strided 3x3 after 1x1, strided 3x3 after a 7x7 pair, and a max pool."""

    def __init__(self, channels_in: int) -> None:
        super().__init__()
        self.branch3x3_1 = ConvBN(channels_in, 192, 1)
        self.branch3x3_2 = ConvBN(192, 320, 3, stride=2)
        self.branch7x7x3_1 = ConvBN(channels_in, 192, 1)
        self.branch7x7x3_2 = row(192, 192)
        self.branch7x7x3_3 = column(192, 192)
        self.branch7x7x3_4 = ConvBN(192, 192, 3, stride=2)

    def forward(self, x: Tensor) -> Tensor:
        seven = self.branch7x7x3_2(self.branch7x7x3_1(x))
        seven = self.branch7x7x3_4(self.branch7x7x3_3(seven))
        three = self.branch3x3_2(self.branch3x3_1(x))
        return torch.cat([three, seven, F.max_pool2d(x, 3, stride=2)], dim=1)


class MixedE(nn.Module):
    """8 x 8: 3x3 convolutions split into parallel 1x3 and 3x1. The graph's last block pools
    with a max where the paper (and the block before it) averages."""

    def __init__(self, channels_in: int, max_pool: bool) -> None:
        super().__init__()
        self.max_pool = max_pool
        self.branch1x1 = ConvBN(channels_in, 320, 1)
        self.branch3x3_1 = ConvBN(channels_in, 384, 1)
        self.branch3x3_2a = ConvBN(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3_2b = ConvBN(384, 384, (3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = ConvBN(channels_in, 448, 1)
        self.branch3x3dbl_2 = ConvBN(448, 384, 3, padding=1)
        self.branch3x3dbl_3a = ConvBN(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = ConvBN(384, 384, (3, 1), padding=(1, 0))
        self.branch_pool = ConvBN(channels_in, 192, 1)

    def forward(self, x: Tensor) -> Tensor:
        single = self.branch3x3_1(x)
        double = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        pooled = F.max_pool2d(x, 3, stride=1, padding=1) if self.max_pool else mean_pool(x)
        return torch.cat(
            [
                self.branch1x1(x),
                self.branch3x3_2a(single),
                self.branch3x3_2b(single),
                self.branch3x3dbl_3a(double),
                self.branch3x3dbl_3b(double),
                self.branch_pool(pooled),
            ],
            dim=1,
        )


class FIDInception(nn.Module):
    """Images in [-1, 1], any size and 1 or 3 channels -> (pool3 features, class logits)."""

    weights_sha256 = "untrained"

    def __init__(self) -> None:
        super().__init__()
        self.Conv2d_1a_3x3 = ConvBN(3, 32, 3, stride=2)
        self.Conv2d_2a_3x3 = ConvBN(32, 32, 3)
        self.Conv2d_2b_3x3 = ConvBN(32, 64, 3, padding=1)
        self.Conv2d_3b_1x1 = ConvBN(64, 80, 1)
        self.Conv2d_4a_3x3 = ConvBN(80, 192, 3)
        self.Mixed_5b = MixedA(192, 32)
        self.Mixed_5c = MixedA(256, 64)
        self.Mixed_5d = MixedA(288, 64)
        self.Mixed_6a = ReductionB(288)
        self.Mixed_6b = MixedC(768, 128)
        self.Mixed_6c = MixedC(768, 160)
        self.Mixed_6d = MixedC(768, 160)
        self.Mixed_6e = MixedC(768, 192)
        self.Mixed_7a = ReductionD(768)
        self.Mixed_7b = MixedE(1280, max_pool=False)
        self.Mixed_7c = MixedE(2048, max_pool=True)
        self.fc = nn.Linear(FEATURES, CLASSES)

    def forward(self, images: Tensor) -> tuple[Tensor, Tensor]:
        x = images.float()
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        # Bilinear resizing is linear, so resizing in [-1, 1] equals the reference's resizing
        # in [0, 1] followed by 2x - 1.
        x = F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False)
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = F.max_pool2d(x, 3, stride=2)
        x = F.max_pool2d(self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x)), 3, stride=2)
        for block in (
            self.Mixed_5b, self.Mixed_5c, self.Mixed_5d, self.Mixed_6a, self.Mixed_6b,
            self.Mixed_6c, self.Mixed_6d, self.Mixed_6e, self.Mixed_7a, self.Mixed_7b,
            self.Mixed_7c,
        ):  # fmt: skip
            x = block(x)
        features = x.mean(dim=(2, 3))
        return features, self.fc(features)


def load_state(model: nn.Module, path: Path) -> None:
    """Every parameter and running statistic must be in the file with its shape; batch norm's
    step counter (absent from older conversions) is the only key that may be missing."""
    from safetensors.torch import load_file

    tensors = {k: v for k, v in load_file(path).items() if not k.endswith("num_batches_tracked")}
    expected = {
        k: v.shape for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")
    }
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    wrong = sorted(k for k in set(expected) & set(tensors) if tensors[k].shape != expected[k])
    if missing or unexpected or wrong:
        raise ZooError(
            f"{path} is not an FID Inception-v3 state dict: {len(missing)} missing "
            f"({', '.join(missing[:2])}), {len(unexpected)} unexpected "
            f"({', '.join(unexpected[:2])}), {len(wrong)} of another shape ({', '.join(wrong[:2])})"
        )
    model.load_state_dict(tensors, strict=False)


def fid_inception(weights: Path | None = None, pinned: PinnedFile | None = None) -> FIDInception:
    """The network in eval mode; weights from a local file or the Hub (cached), hash-checked.

    A local file with another hash is refused rather than used: FIDs from different weights are
    not comparable, and nothing in the report would show it."""
    pinned = pinned or FID_INCEPTION
    if weights is None:
        path = pull_file(pinned)
    else:
        path = Path(weights)
        if not path.is_file():
            raise ZooError(f"Inception weights {path}: no such file")
        actual = sha256_of(path)
        if actual != pinned.sha256:
            raise ZooError(
                f"Inception weights {path} have sha256 {actual[:12]}..., the FID Inception-v3 "
                f"weights have {pinned.sha256[:12]}...; refusing them (scores would not be "
                "comparable)"
            )
    model = FIDInception()
    load_state(model, path)
    model.weights_sha256 = pinned.sha256
    return model.eval()


class InceptionExtractor:
    """Pool3 features and class probabilities, in batches, on the network's device."""

    def __init__(self, model: FIDInception, batch: int = 64) -> None:
        self.model = model
        self.batch = batch
        self.name = f"FID Inception-v3 sha256 {model.weights_sha256[:12]} (pool3, {FEATURES}-d)"

    @torch.inference_mode()
    def embed(self, images: Tensor) -> tuple[Tensor, Tensor]:
        from rich.progress import track

        from ganzoo.display import interactive

        device = next(self.model.parameters()).device
        features, probs = [], []
        starts = range(0, len(images), self.batch)
        for start in track(starts, "Inception features", disable=not interactive(), transient=True):
            pooled, logits = self.model(images[start : start + self.batch].to(device))
            features.append(pooled.cpu())
            probs.append(logits.softmax(dim=1).cpu())
        return torch.cat(features), torch.cat(probs)
