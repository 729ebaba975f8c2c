"""2-D Gaussian mixtures with known modes: the ring of 8 and the grid of 25 (VEEGAN protocol)."""

from __future__ import annotations

import math

import torch

from ganzoo.contracts import DataInfo, DataKind, DataRequest, DatasetProvider, TensorData
from ganzoo.data.common import choose_kind, parse_options
from ganzoo.hookspecs import PLUGIN_API_VERSION, hookimpl


def ring_centers(modes: int, radius: float) -> torch.Tensor:
    angles = torch.arange(modes, dtype=torch.float64) * 2 * math.pi / modes
    return torch.stack([radius * angles.cos(), radius * angles.sin()], dim=1).float()


def grid_centers(side: int, spacing: float) -> torch.Tensor:
    axis = (torch.arange(side, dtype=torch.float32) - (side - 1) / 2) * spacing
    return torch.cartesian_prod(axis, axis)


class Mixture(DatasetProvider):
    kinds = (DataKind.POINTS,)

    def __init__(self, provider_id: str, description: str, defaults: dict[str, float]):
        self.id = provider_id
        self.description = description
        self.defaults = defaults

    def centers(self, options: dict) -> torch.Tensor:
        if self.id == "ring8":
            return ring_centers(int(options["modes"]), options["radius"])
        return grid_centers(int(options["side"]), options["spacing"])

    def load(self, request: DataRequest) -> TensorData:
        choose_kind(self.id, self.kinds, request)
        options = parse_options(self.id, request.argument, self.defaults)
        centers = self.centers(options)
        rng = torch.Generator().manual_seed(request.seed)
        n = int(options["n"])
        which = torch.randint(len(centers), (n,), generator=rng)
        points = centers[which] + options["std"] * torch.randn(n, 2, generator=rng)
        info = DataInfo(
            spec=self.id if not request.argument else f"{self.id}:{request.argument}",
            kind=DataKind.POINTS,
            shape=(2,),
            extra={"centers": centers.tolist(), "std": options["std"]},
        )
        return TensorData(train={"x": points}, info=info)


RING8 = Mixture(
    "ring8",
    "8 Gaussians on a circle (radius 2, std 0.02)",
    {"modes": 8, "radius": 2.0, "std": 0.02, "n": 50000},
)
GRID25 = Mixture(
    "grid25",
    "25 Gaussians on a 5x5 grid at {-4,-2,0,2,4} (std 0.05)",
    {"side": 5, "spacing": 2.0, "std": 0.05, "n": 50000},
)


@hookimpl
def ganzoo_api_version() -> int:
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_datasets() -> list[DatasetProvider]:
    return [RING8, GRID25]
