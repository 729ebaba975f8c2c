"""A pool of past fakes for the discriminator (LECTURES.md section 2; Shrivastava et al. 2017;
the 50-image pool of CycleGAN): D also sees what earlier generators produced."""

from __future__ import annotations

import torch
from torch import Tensor, nn


class ReplayPool(nn.Module):
    """Each fake, with probability `swap`, is exchanged for a stored past fake; the result is
    always detached from the generator's graph.

    The pool is a buffer of the module, so it is saved in checkpoints with the run.
    """

    def __init__(self, capacity: int, shape: tuple[int, ...], swap: float = 0.5):
        super().__init__()
        self.capacity = capacity
        self.swap = swap
        self.register_buffer("items", torch.zeros(capacity, *shape))
        self.register_buffer("filled", torch.zeros((), dtype=torch.long))

    @torch.no_grad()
    def exchange(self, fakes: Tensor) -> Tensor:
        fakes = fakes.detach()
        if self.capacity == 0:
            return fakes
        out = fakes.clone()
        n = fakes.shape[0]
        filled = int(self.filled)
        free = min(self.capacity - filled, n)
        if free:
            self.items[filled : filled + free] = fakes[:free].to(self.items.dtype)
            self.filled += free
        # As CycleGAN's pool, which takes fakes one at a time: a fake swapped into a slot is
        # what the next fake drawing that slot receives, so no stored fake is handed out twice.
        # Done for the whole batch at once: group the swaps by slot, in batch order.
        swap = torch.rand(n - free) < self.swap
        positions = (swap.nonzero().squeeze(1) + free).to(fakes.device)
        slots = torch.randint(self.capacity, (len(positions),)).to(fakes.device)
        if len(positions):
            order = torch.argsort(slots * n + positions)
            slots, positions = slots[order], positions[order]
            first = torch.ones_like(slots, dtype=torch.bool)
            first[1:] = slots[1:] != slots[:-1]
            last = torch.ones_like(first)
            last[:-1] = first[1:]
            previous = torch.cat([positions[:1], positions[:-1]])
            keep = first.view(-1, *[1] * (fakes.dim() - 1))
            out[positions] = torch.where(keep, self.items[slots].to(out.dtype), fakes[previous])
            self.items[slots[last]] = fakes[positions[last]].to(self.items.dtype)
        return out
