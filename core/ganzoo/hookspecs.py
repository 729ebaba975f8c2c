"""The hooks a gan-zoo plugin implements.

A plugin is a module named by an entry point in one of the groups of `ganzoo.plugins.GROUPS`;
the entry point's name is the id it provides. This module is imported by `zoo list`, so it must
stay cheap: no torch, no numpy. Every hook here has an entry in docs/plugins.md (a test checks).
"""

from __future__ import annotations

from typing import Any

import pluggy

PROJECT = "ganzoo"
PLUGIN_API_VERSION = 1
"""The plugin-API major version this gan-zoo speaks. A change that breaks plugins bumps it."""
SUPPORTED_PLUGIN_APIS = frozenset({1})

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec(firstresult=True)
def ganzoo_api_version() -> int:
    """Return the plugin-API major version the plugin was written for (required).

    A plugin whose version is not in `SUPPORTED_PLUGIN_APIS` is refused with a message naming
    both versions, and shown as broken.
    """


@hookspec
def ganzoo_variants() -> list[type[Any]]:
    """Return the `ganzoo.contracts.Variant` subclasses this plugin provides.

    The variant whose `id` equals the entry point's name is the one the host takes.
    """


@hookspec
def ganzoo_datasets() -> list[Any]:
    """Return `ganzoo.contracts.DatasetProvider` instances; the one whose `id` matches is used."""


@hookspec
def ganzoo_metrics() -> list[Any]:
    """Return `ganzoo.contracts.Metric` instances; the one whose `id` matches is used."""


@hookspec
def ganzoo_train_callbacks(run_dir: str, variant_id: str) -> list[Any]:
    """Return `ganzoo.contracts.Callback` objects to attach to a training run (loggers...).

    Called once per `zoo train` for every plugin of the callbacks group.
    """
