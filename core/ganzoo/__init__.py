"""gan-zoo: a plugin-based zoo of Generative Adversarial Networks.

Importing this package is cheap (no torch): `ganzoo.load` and `ganzoo.train` import the engine
when first called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ganzoo.hookspecs import PLUGIN_API_VERSION, hookimpl

__version__ = "0.1.0"
__all__ = ["PLUGIN_API_VERSION", "__version__", "hookimpl", "load", "train"]

if TYPE_CHECKING:
    from ganzoo.api import load, train


def __getattr__(name: str) -> Any:
    if name in ("load", "train"):
        from ganzoo import api

        return getattr(api, name)
    raise AttributeError(f"module 'ganzoo' has no attribute {name!r}")
