"""Random jitter and mirroring of training batches, on the device: how pix2pix and CycleGAN
train (Isola et al. 2017, Zhu et al. 2017: upscale 256 -> 286 px, crop a random 256 px window,
mirror half the images). Image-to-image generators see few images; the jitter keeps them from
memorising exact pixel positions."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

JITTER_SCALE = 286 / 256


def jitter(
    *batches: Tensor, draws: Tensor, mirror: bool = False, scale: float = JITTER_SCALE
) -> tuple[Tensor, ...]:
    """One random window (and mirroring) per sample, shared by every batch given: pass a pair's
    input and target together so they stay aligned, each side of unpaired data on its own.
    The window is 1/`scale` of the image, placed anywhere inside it, resampled to full size.
    `draws`: N×3 uniform numbers in [0, 1) (window x, window y, mirror coin), taken as given so
    that the caller decides where randomness comes from (the runtime's, under DDP)."""
    first = batches[0]
    window = 1 / scale
    draws = draws.to(first.device, torch.float32)
    theta = torch.zeros(first.shape[0], 2, 3, device=first.device)
    flip = torch.where(draws[:, 2] < 0.5, -1.0, 1.0) if mirror else torch.ones_like(draws[:, 2])
    theta[:, 0, 0] = window * flip
    theta[:, 1, 1] = window
    theta[:, :, 2] = (draws[:, :2] * 2 - 1) * (1 - window)
    grid = F.affine_grid(theta, list(first.shape), align_corners=False)
    return tuple(
        F.grid_sample(x.float(), grid, mode="bilinear", align_corners=False).to(x.dtype)
        for x in batches
    )
