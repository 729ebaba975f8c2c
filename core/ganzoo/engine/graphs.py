"""`--cuda-graph`: record a variant's whole training step (forwards, backwards, optimizer
updates) once as a CUDA graph and replay it. A small GAN's step on a big GPU is bound by
kernel launches and Python, not arithmetic (BENCHMARKS.md, issue 3); a replay is one launch.

What changes nothing for the variant: its `train_step` is recorded as written. The random
draws inside it advance torch's CUDA generator on every replay as they would eagerly, and the
data order comes from the same `DeviceBatches`, so checkpoints and `--resume` work as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import torch
from torch import Tensor

from ganzoo.contracts import Batch, Variant
from ganzoo.engine.batches import DeviceBatches
from ganzoo.errors import ZooError


class GraphBatches:
    """`next_batch` for a recorded step: the graph gathers each batch through an index buffer,
    and before every replay the host refills the buffers from `DeviceBatches`, which advances
    exactly as it does for an eager step. The buffers are filled outside the recording (a copy
    made inside it would be replayed too)."""

    def __init__(self, batches: DeviceBatches):
        self.batches = batches
        self.buffers: list[dict[str, Tensor]] = []
        self.drawn = 0

    def fill(self, count: int) -> None:
        """Load the rows of the next step's `count` batches (device-to-device copies)."""
        self.drawn = 0
        if not self.buffers:
            self.buffers = [
                {key: rows.clone() for key, rows in self.batches.next_indices().items()}
                for _ in range(count)
            ]
            return
        for buffer in self.buffers:
            for key, rows in self.batches.next_indices().items():
                buffer[key].copy_(rows)

    def __call__(self) -> Batch:
        if self.drawn == len(self.buffers):
            raise ZooError("the recorded step drew more batches than the eager steps before it")
        rows = self.buffers[self.drawn]
        self.drawn += 1
        return {key: self.batches.tensors[key][index] for key, index in rows.items()}


class _Counting:
    def __init__(self, batches: DeviceBatches):
        self.batches = batches
        self.count = 0

    def __call__(self) -> Batch:
        self.count += 1
        return self.batches()


class GraphedStep:
    """Eager steps on a side stream first (optimizer state and lazy kernels get made), then one
    recording, then replays. Returns the same losses as `train_step`, overwritten in place."""

    def __init__(
        self,
        variant: Variant,
        batches: DeviceBatches,
        autocast: Callable[[], AbstractContextManager],
        warmup: int = 3,
    ):
        if variant.device.type != "cuda":
            raise ZooError("a CUDA graph needs a CUDA device")
        self.variant = variant
        self.batches = batches
        self.autocast = autocast
        self.warmup_left = max(1, warmup)
        self.batches_per_step = 0
        self.stream = torch.cuda.Stream(variant.device)
        self.graph: torch.cuda.CUDAGraph | None = None
        self.graph_batches = GraphBatches(batches)
        self.losses: dict[str, Tensor] = {}

    def __call__(self, step: int) -> dict[str, Tensor]:
        if self.warmup_left > 0:
            self.warmup_left -= 1
            return self._eager(step)
        self.graph_batches.fill(self.batches_per_step)
        if self.graph is None:
            self._record(step)
        self.graph.replay()
        return self.losses

    def _eager(self, step: int) -> dict[str, Tensor]:
        counting = _Counting(self.batches)
        current = torch.cuda.current_stream(self.variant.device)
        self.stream.wait_stream(current)
        with torch.cuda.stream(self.stream), self.autocast():
            losses = self.variant.train_step(counting, step)
        current.wait_stream(self.stream)
        self.batches_per_step = counting.count
        return losses

    def _record(self, step: int) -> None:
        torch.cuda.synchronize(self.variant.device)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph), self.autocast():
            self.losses = self.variant.train_step(self.graph_batches, step)
        if self.graph_batches.drawn != self.batches_per_step:
            raise ZooError("the recorded step drew fewer batches than the eager steps before it")
        self.graph = graph
