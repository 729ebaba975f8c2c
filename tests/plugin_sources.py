"""Source code of fake third-party plugins, installed by tests into a fake site folder."""

TRIVIAL_VARIANT = '''
import torch
from torch import nn
from ganzoo import PLUGIN_API_VERSION, hookimpl
from ganzoo.contracts import DataKind, Variant, VariantConfig


class TinyConfig(VariantConfig):
    scale: float = 1.0


class Tiny(Variant):
    """The smallest honest variant: a linear generator against a linear discriminator."""

    id = "tiny"
    Config = TinyConfig
    data_kinds = (DataKind.POINTS,)
    default_data = "ring8"

    def build_networks(self):
        return {"generator": nn.Linear(2, 2), "discriminator": nn.Linear(2, 1)}

    def build_optimizers(self):
        return {name: self.runtime.optimizer(net.parameters(), lr=1e-3)
                for name, net in self.networks.items()}

    def train_step(self, next_batch, step):
        real = next_batch()["x"]
        fake = self.generator(self.runtime.noise(len(real), 2))
        d_loss = (nn.functional.softplus(-self.discriminator(real))
                  + nn.functional.softplus(self.discriminator(fake.detach()))).mean()
        self.optimizers["discriminator"].zero_grad()
        d_loss.backward()
        self.optimizers["discriminator"].step()
        g_loss = nn.functional.softplus(-self.discriminator(fake)).mean()
        self.optimizers["generator"].zero_grad()
        g_loss.backward()
        self.optimizers["generator"].step()
        return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}

    def generate(self, generator, n, labels, rng):
        return self.config.scale * generator(torch.randn(n, 2, generator=rng))


@hookimpl
def ganzoo_api_version():
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_variants():
    return [Tiny]
'''

RAISES_ON_IMPORT = """
raise RuntimeError("this plugin is broken on purpose")
"""

FUTURE_API = """
from ganzoo import hookimpl


@hookimpl
def ganzoo_api_version():
    return 99


@hookimpl
def ganzoo_variants():
    return []
"""

NO_API = """
from ganzoo import hookimpl


@hookimpl
def ganzoo_variants():
    return []
"""
