"""What a variant, dataset, loss, metric and callback provide. Typed, small, and the same for
built-in and third-party plugins.

A variant owns its networks, optimizers and `train_step` (its update schedule: k critic steps,
rollouts, two generators, stages); the engine owns devices, precision, compile, DDP,
checkpoints, logging and sampling grids. Randomness that must match across processes (noise,
labels) goes through `Runtime`, so a 2-process run equals one process with twice the batch.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any, ClassVar, Protocol, runtime_checkable

import torch
from pydantic import BaseModel, ConfigDict
from torch import Tensor, nn

Batch = dict[str, Tensor]
NextBatch = Callable[[], Batch]


class DataKind(str, Enum):
    POINTS = "points"
    IMAGES = "images"
    LABELLED_IMAGES = "labelled-images"
    PAIRED_IMAGES = "paired-images"
    UNPAIRED_IMAGES = "unpaired-images"
    CAPTIONED_IMAGES = "captioned-images"
    TOKENS = "tokens"


@dataclass(frozen=True)
class DataRequest:
    """What a variant asks of a dataset: a kind it accepts and the size its networks need."""

    kinds: tuple[DataKind, ...]
    image_size: int | None = None
    channels: int | None = None
    argument: str | None = None
    seed: int = 0
    variant: str = "this variant"  # who asks, for error messages


@dataclass
class DataInfo:
    """What a variant is told about its data; saved in config.json so a model can be rebuilt."""

    spec: str
    kind: DataKind
    shape: tuple[int, ...]
    num_classes: int = 0
    class_names: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        return json.loads(json.dumps(data))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DataInfo:
        return cls(
            spec=data["spec"],
            kind=DataKind(data["kind"]),
            shape=tuple(data["shape"]),
            num_classes=data.get("num_classes", 0),
            class_names=tuple(data.get("class_names", ())),
            extra=data.get("extra", {}),
        )


@dataclass
class TensorData:
    """A dataset held in memory as tensors (moved to the device once by the engine).

    Tensors share a first dimension and are shuffled together, unless `independent` (unpaired
    data: each tensor is shuffled on its own, so no pairing leaks into training).
    """

    train: dict[str, Tensor]
    info: DataInfo
    test: dict[str, Tensor] = field(default_factory=dict)
    independent: bool = False

    def __len__(self) -> int:
        return min(len(t) for t in self.train.values())


class DatasetProvider(ABC):
    """A named source of data: `--data NAME` or `--data NAME:ARGUMENT`."""

    id: ClassVar[str]
    description: ClassVar[str]
    kinds: ClassVar[tuple[DataKind, ...]]
    needs_argument: ClassVar[bool] = False

    @abstractmethod
    def load(self, request: DataRequest) -> TensorData:
        """Build the data, validated up front; raise `ganzoo.errors.DataError` on bad input."""


class AdversarialLoss(ABC):
    """A GAN objective split into the discriminator's and the generator's loss, on raw scores."""

    name: ClassVar[str]

    @abstractmethod
    def discriminator(self, real: Tensor, fake: Tensor) -> Tensor: ...

    @abstractmethod
    def generator(self, fake: Tensor) -> Tensor: ...


@runtime_checkable
class Generator(Protocol):
    """Maps noise (and an optional condition) to samples."""

    def __call__(self, z: Tensor, condition: Tensor | None = None) -> Tensor: ...


@runtime_checkable
class Discriminator(Protocol):
    """Maps samples (and an optional condition) to raw scores (logits, critic values)."""

    def __call__(self, x: Tensor, condition: Tensor | None = None) -> Tensor: ...


@dataclass
class EvalSet:
    """One side of an evaluation: samples, their features and (for images) class probabilities
    from the same feature extractor."""

    samples: Tensor
    features: Tensor
    probs: Tensor | None = None


class Metric(ABC):
    """A score of generated samples against real ones (`zoo eval --metrics ID`)."""

    id: ClassVar[str]
    description: ClassVar[str]
    higher_is_better: ClassVar[bool]
    kinds: ClassVar[tuple[DataKind, ...]] = (DataKind.IMAGES, DataKind.LABELLED_IMAGES)

    @abstractmethod
    def compute(self, real: EvalSet, fake: EvalSet, data: DataInfo) -> dict[str, float]:
        """Named values; the protocol (sample counts, k, splits) goes in `protocol`."""

    def protocol(self) -> str:
        return ""


class Callback:
    """Hooks into a training run (loggers such as TensorBoard or W&B come as callbacks)."""

    def on_train_start(self, run_dir: str, config: dict[str, Any]) -> None:
        pass

    def on_log(self, step: int, metrics: dict[str, float]) -> None:
        pass

    def on_checkpoint(self, step: int, path: str) -> None:
        pass

    def on_train_end(self, step: int) -> None:
        pass


class VariantConfig(BaseModel):
    """Base of every variant's config: unknown keys are errors, every field has a default."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)


class Runtime:
    """What the engine lends a variant: device, process group position, shared randomness.

    Noise and random labels are drawn for the global batch (all processes) and sliced to this
    process's share, from generators that are identical on every process.
    """

    def __init__(
        self,
        device: torch.device,
        *,
        rank: int = 0,
        world_size: int = 1,
        total_steps: int = 0,
        capturable: bool = False,
    ):
        self.device = device
        self.rank = rank
        self.world_size = world_size
        self.total_steps = total_steps
        self.capturable = capturable

    def _share(self, tensor: Tensor, n: int) -> Tensor:
        return tensor[self.rank * n : (self.rank + 1) * n]

    def noise(self, n: int, *shape: int) -> Tensor:
        z = torch.randn(n * self.world_size, *shape, device=self.device)
        return self._share(z, n)

    def uniform(self, n: int, *shape: int) -> Tensor:
        u = torch.rand(n * self.world_size, *shape, device=self.device)
        return self._share(u, n)

    def randint(self, high: int, n: int, *shape: int) -> Tensor:
        r = torch.randint(high, (n * self.world_size, *shape), device=self.device)
        return self._share(r, n)

    def optimizer(
        self, params: Iterator[nn.Parameter] | list[Any], kind: str = "adam", **options: Any
    ) -> torch.optim.Optimizer:
        """Adam/AdamW/SGD with torch's fused kernels on CUDA and CPU (on a CPU, fused Adam takes
        half foreach's time; BENCHMARKS.md), foreach elsewhere. Adam's step count stays on the
        device when the step is recorded as a CUDA graph (`capturable`)."""
        classes = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}
        fast = {"fused": True} if self.device.type in ("cuda", "cpu") else {"foreach": True}
        if self.capturable and kind != "sgd":
            fast["capturable"] = True
        return classes[kind](params, **options, **fast)

    @contextmanager
    def frozen(self, network: nn.Module) -> Iterator[None]:
        """Skip a network's weight gradients while another network's loss runs through it
        (D during G's update). Under DDP every parameter must get a gradient, so it is a no-op
        there; the result is the same either way."""
        if self.world_size > 1:
            yield
            return
        flags = [p.requires_grad for p in network.parameters()]
        network.requires_grad_(False)
        try:
            yield
        finally:
            for parameter, flag in zip(network.parameters(), flags, strict=True):
                parameter.requires_grad_(flag)


class Variant(ABC):
    """A GAN variant: its networks, optimizers and update schedule, like its paper's algorithm.

    Networks returned by `build_networks` become attributes of the same name; during training
    the engine replaces those attributes by their compiled or DDP-wrapped versions, while
    `self.networks` keeps the plain modules that are saved and loaded.
    """

    id: ClassVar[str]
    Config: ClassVar[type[VariantConfig]]
    data_kinds: ClassVar[tuple[DataKind, ...]]
    default_data: ClassVar[str]
    sample_network: ClassVar[str] = "generator"
    conditional: ClassVar[bool] = False
    """True when `generate` takes class labels (grids then show one row per class)."""
    quick_settings: ClassVar[dict[str, Any]] = {}
    """Config values that make a step cheap (smaller networks); the contract tests, which run
    for every registered variant on a CPU, use them."""

    def __init__(self, config: VariantConfig, data: DataInfo, runtime: Runtime):
        self.config = config
        self.data = data
        self.runtime = runtime
        self.device = runtime.device
        self.networks: dict[str, nn.Module] = {
            name: net.to(self.device) for name, net in self.build_networks().items()
        }
        for name, net in self.networks.items():
            setattr(self, name, net)
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.ema: dict[str, nn.Module] = {}

    @classmethod
    def data_request(cls, config: VariantConfig, argument: str | None, seed: int) -> DataRequest:
        return DataRequest(
            kinds=cls.data_kinds,
            image_size=getattr(config, "image_size", None),
            channels=getattr(config, "channels", None),
            argument=argument,
            seed=seed,
            variant=cls.id,
        )

    @abstractmethod
    def build_networks(self) -> dict[str, nn.Module]:
        """The networks, by file name (generator, discriminator, ...)."""

    @abstractmethod
    def build_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """Optimizers over `self.networks` parameters (use `self.runtime.optimizer`)."""

    @abstractmethod
    def train_step(self, next_batch: NextBatch, step: int) -> dict[str, Tensor]:
        """One iteration of the paper's algorithm; returns named losses (0-d tensors)."""

    def graph_capturable(self) -> bool:
        """True when `train_step` can be recorded once as a CUDA graph and replayed
        (`--cuda-graph`): every step launches the same kernels, draws the same number of
        batches, reads no tensor on the host, does not branch on `step` and keeps its learning
        rates fixed. The engine cannot check these, so the default is no."""
        return False

    @abstractmethod
    def generate(
        self, generator: nn.Module, n: int, labels: Tensor | None, rng: torch.Generator | None
    ) -> Tensor:
        """n samples from `generator` (the live one or its EMA), in data space."""

    def evaluation_conditions(self, data: TensorData, n: int) -> Tensor | None:
        """What `sample` is given when n samples are scored against real data: every class in
        turn for class-conditional variants, nothing for unconditional ones."""
        if not self.conditional or not data.info.num_classes:
            return None
        return torch.arange(n, device=self.device) % data.info.num_classes

    def grid_conditions(self, n: int) -> tuple[Tensor | None, int | None]:
        """Conditions of the training sample grids and the grid's row length: a row per class
        for class-conditional variants."""
        classes = self.data.num_classes
        if not self.conditional or not classes:
            return None, None
        per_class = max(1, n // classes)
        return torch.arange(classes, device=self.device).repeat_interleave(per_class), per_class

    def state_modules(self) -> dict[str, nn.Module]:
        """Modules besides networks and optimizers whose buffers a checkpoint must keep (replay
        pools, running averages), by name; `extra_state` saves them under `name.`."""
        return {}

    def extra_state(self) -> dict[str, Tensor]:
        return {
            f"{name}.{key}": value
            for name, module in self.state_modules().items()
            for key, value in module.state_dict().items()
        }

    def load_extra_state(self, state: dict[str, Tensor]) -> None:
        for name, module in self.state_modules().items():
            prefix = f"{name}."
            module.load_state_dict(
                {k.removeprefix(prefix): v for k, v in state.items() if k.startswith(prefix)}
            )

    @torch.no_grad()
    def sample(self, n: int, labels: Tensor | None = None, seed: int | None = None) -> Tensor:
        """n samples, from the EMA generator when there is one; deterministic given a seed."""
        generator = self.ema.get(self.sample_network) or self.networks[self.sample_network]
        rng = None
        if seed is not None:
            rng = torch.Generator(device=self.device).manual_seed(seed)
        was_training = generator.training
        generator.eval()
        try:
            return self.generate(generator, n, labels, rng)
        finally:
            generator.train(was_training)
