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
        # One at a time, as CycleGAN's pool: a later fake may receive one stored moments ago,
        # and no stored fake is handed out twice.
        rest = range(free, n)
        swaps = (torch.rand(len(rest)) < self.swap).tolist()
        slots = torch.randint(self.capacity, (len(rest),)).tolist()
        for i, swap, slot in zip(rest, swaps, slots, strict=True):
            if swap:
                out[i] = self.items[slot].to(out.dtype)
                self.items[slot] = fakes[i].to(self.items.dtype)
        return out
