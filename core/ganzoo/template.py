"""The plugin template written by `zoo new-plugin`: a distribution with one variant that
trains (composed from core blocks), its entry point, and a test that runs one step."""

from __future__ import annotations

import re
from pathlib import Path

from ganzoo import PLUGIN_API_VERSION
from ganzoo.errors import ZooError

PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{dist}"
version = "0.1.0"
description = "A gan-zoo plugin providing the {id} variant"
requires-python = ">=3.10"
dependencies = ["gan-zoo"]

[project.entry-points."ganzoo.variants"]
{id} = "{package}"

[tool.setuptools]
packages = ["{package}"]
"""

MODULE = '''\
"""`{id}`: describe the paper here (authors, venue, year) and what it changes."""

from __future__ import annotations

import torch
from pydantic import Field
from torch import nn

from ganzoo import hookimpl
from ganzoo.contracts import DataKind, Variant, VariantConfig
from ganzoo.losses import adversarial_loss
from ganzoo.nn.mlp import MLPDiscriminator, MLPGenerator


class Config(VariantConfig):
    z_dim: int = Field(16, ge=1, description="latent dimension")
    hidden: int = Field(64, ge=1, description="hidden units")
    lr: float = Field(2e-4, gt=0, description="Adam learning rate")


class Variant_(Variant):
    id = "{id}"
    Config = Config
    data_kinds = (DataKind.POINTS,)
    default_data = "ring8"

    def build_networks(self) -> dict[str, nn.Module]:
        c = self.config
        return {{
            "generator": MLPGenerator(c.z_dim, self.data.shape, c.hidden, 2),
            "discriminator": MLPDiscriminator(self.data.shape, c.hidden, 2),
        }}

    def build_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {{
            name: self.runtime.optimizer(net.parameters(), lr=self.config.lr, betas=(0.5, 0.999))
            for name, net in self.networks.items()
        }}

    def train_step(self, next_batch, step):
        loss = adversarial_loss("non-saturating")
        real = next_batch()["x"]
        fake = self.generator(self.runtime.noise(len(real), self.config.z_dim))
        d_loss = loss.discriminator(self.discriminator(real), self.discriminator(fake.detach()))
        self.optimizers["discriminator"].zero_grad(set_to_none=True)
        d_loss.backward()
        self.optimizers["discriminator"].step()
        g_loss = loss.generator(self.discriminator(fake))
        self.optimizers["generator"].zero_grad(set_to_none=True)
        g_loss.backward()
        self.optimizers["generator"].step()
        return {{"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}}

    def generate(self, generator, n, labels, rng):
        z = torch.randn(n, self.config.z_dim, device=self.device, generator=rng)
        return generator(z)


@hookimpl
def ganzoo_api_version() -> int:
    return {api}


@hookimpl
def ganzoo_variants() -> list[type]:
    return [Variant_]
'''

TEST = """\
import math

import ganzoo
from ganzoo.plugins import host
from {package} import Variant_


def test_one_training_step(tmp_path):
    if "{id}" not in host().ids("variant"):  # not installed yet: register in-process
        host().register("variant", Variant_)
    run = ganzoo.train("{id}", steps=2, batch_size=16, out=tmp_path / "run", device="cpu",
                       sample_every=0, checkpoint_every=0, progress=False, log_every=1)
    samples = ganzoo.load(run, device="cpu").sample(8, seed=0)
    assert samples.shape == (8, 2) and all(math.isfinite(v) for v in samples.flatten().tolist())
"""


def write_plugin(name: str, directory: Path) -> Path:
    plugin_id = name.strip().lower()
    if not re.fullmatch(r"[a-z][a-z0-9\-]*", plugin_id):
        raise ZooError(f"plugin name {name!r}: use lowercase letters, digits and hyphens")
    package = "ganzoo_" + plugin_id.replace("-", "_")
    folder = directory / f"ganzoo-{plugin_id}"
    if folder.exists():
        raise ZooError(f"{folder} already exists")
    fields = {
        "id": plugin_id,
        "package": package,
        "dist": f"ganzoo-{plugin_id}",
        "api": PLUGIN_API_VERSION,
    }
    (folder / package).mkdir(parents=True)
    (folder / "tests").mkdir()
    (folder / "pyproject.toml").write_text(PYPROJECT.format(**fields))
    (folder / package / "__init__.py").write_text(MODULE.format(**fields))
    (folder / "tests" / f"test_{package}.py").write_text(TEST.format(**fields))
    (folder / "README.md").write_text(
        f"# ganzoo-{plugin_id}\n\nA gan-zoo plugin. `zoo install -e .` then "
        f"`zoo train {plugin_id}`; `pytest` runs its test.\n"
    )
    return folder
