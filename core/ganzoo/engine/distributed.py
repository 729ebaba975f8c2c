"""More than one process: launched by torchrun, data-parallel with DDP (gloo on CPU, NCCL on
CUDA). No process management of our own."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn


@dataclass(frozen=True)
class ProcessGroup:
    rank: int = 0
    local_rank: int = 0
    world_size: int = 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.world_size > 1


def join_from_env(device_type: str) -> ProcessGroup:
    """Join the process group torchrun set up (environment variables), or run alone."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return ProcessGroup()
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device_type == "cuda" else "gloo")
    return ProcessGroup(
        rank=dist.get_rank(),
        local_rank=int(os.environ.get("LOCAL_RANK", "0")),
        world_size=world_size,
    )


def leave(group: ProcessGroup) -> None:
    if group.active and dist.is_initialized():
        dist.destroy_process_group()


def wrap(network: nn.Module, group: ProcessGroup, device: torch.device) -> nn.Module:
    if not group.active or not any(p.requires_grad for p in network.parameters()):
        return network
    device_ids = [device.index] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(network, device_ids=device_ids)


def barrier(group: ProcessGroup) -> None:
    if group.active:
        dist.barrier()


def launch(
    nproc: int,
    train_args: list[str],
    nnodes: str = "1",
    rdzv_endpoint: str | None = None,
    node_rank: int | None = None,
) -> int:
    """Re-run `zoo train` under torch.distributed.run with the same arguments."""
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        f"--nproc-per-node={nproc}",
        f"--nnodes={nnodes}",
    ]
    if rdzv_endpoint:
        command += ["--rdzv-backend=c10d", f"--rdzv-endpoint={rdzv_endpoint}"]
    else:
        command += ["--standalone"]
    if node_rank is not None:
        command += [f"--node-rank={node_rank}"]
    command += ["-m", "ganzoo", "train", *train_args]
    return subprocess.call(command)
