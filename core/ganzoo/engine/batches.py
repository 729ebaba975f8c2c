"""Minibatches drawn from tensors that already live on the device: no DataLoader, no per-batch
host-to-device copy. Every process draws the same global batch order and takes its slice, so
N processes with batch b see exactly what one process with batch N*b sees."""

from __future__ import annotations

import torch
from torch import Tensor

from ganzoo.contracts import Batch, TensorData
from ganzoo.errors import DataError


def _on_device(tensor: Tensor, device: torch.device) -> Tensor:
    """Images go channels-last (faster convolutions on CPU and on tensor cores)."""
    tensor = tensor.to(device)
    if tensor.dim() == 4:
        tensor = tensor.contiguous(memory_format=torch.channels_last)
    return tensor


class DeviceBatches:
    def __init__(
        self,
        data: TensorData,
        batch_size: int,
        device: torch.device,
        seed: int,
        rank: int = 0,
        world_size: int = 1,
    ):
        global_batch = batch_size * world_size
        if len(data) < global_batch:
            raise DataError(
                f"{data.info.spec} has {len(data)} training samples, fewer than one batch of "
                f"{global_batch}; lower --batch-size"
            )
        self.tensors = {k: _on_device(v, device) for k, v in data.train.items()}
        self.independent = data.independent
        self.batch_size = batch_size
        self.global_batch = global_batch
        self.rank = rank
        self.device = device
        self.rng = torch.Generator().manual_seed(seed)
        self.epoch = 0
        self.position = 0
        self._orders: dict[str, Tensor] = {}
        self._new_epoch()

    def _new_epoch(self) -> None:
        keys = list(self.tensors) if self.independent else ["*"]
        self._epoch_start_state = self.rng.get_state()
        self._orders = {}
        for key in keys:
            n = len(self.tensors[key]) if key != "*" else len(next(iter(self.tensors.values())))
            self._orders[key] = torch.randperm(n, generator=self.rng).to(self.device)
        self.position = 0

    def _usable(self) -> int:
        return min(len(order) for order in self._orders.values())

    def next_indices(self) -> dict[str, Tensor]:
        """Where the next batch's rows are, per tensor; advances the position as a batch does."""
        if self.position + self.global_batch > self._usable():
            self.epoch += 1
            self._new_epoch()
        start = self.position + self.rank * self.batch_size
        self.position += self.global_batch
        return {
            key: self._orders[key if self.independent else "*"][start : start + self.batch_size]
            for key in self.tensors
        }

    def __call__(self) -> Batch:
        return {key: self.tensors[key][rows] for key, rows in self.next_indices().items()}

    def state(self) -> tuple[dict, Tensor]:
        """Position in the epoch and the generator state the epoch's order was drawn from."""
        return {"epoch": self.epoch, "position": self.position}, self._epoch_start_state

    def restore(self, meta: dict, epoch_start_state: Tensor) -> None:
        self.rng.set_state(epoch_start_state)
        self._new_epoch()
        self.epoch = meta["epoch"]
        self.position = meta["position"]
