"""User-facing errors: one line on stderr and exit status 2, never a traceback."""

from __future__ import annotations


class ZooError(Exception):
    """Bad input or a refused operation that the user can fix; the message is the whole story."""

    exit_code = 2


class UnknownNameError(ZooError):
    """A catalogue name, variant, dataset or metric that nothing provides."""


class CatalogueError(ZooError):
    """`registry.json` is unreadable or does not match its schema."""


class PluginError(ZooError):
    """A plugin could not be loaded, or is refused by policy or API version."""


class ConfigError(ZooError):
    """A variant or training configuration value that does not validate."""


class DataError(ZooError):
    """A dataset that cannot be used as asked (missing path, no images, too few samples...)."""


class TrainingDiverged(ZooError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""
