"""The plugin host: entry-point discovery, lazy loading, isolation of broken plugins.

Discovery reads entry-point metadata only; a plugin module is imported when its id is asked
for, and a plugin that fails is recorded (shown as broken by `zoo list` and `zoo plugins`) so
the host keeps working. `GANZOO_STRICT_PLUGINS=1` re-raises instead, for plugin authors.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pluggy

from ganzoo import hookspecs
from ganzoo.errors import PluginError, UnknownNameError

GROUPS = {
    "variant": "ganzoo.variants",
    "dataset": "ganzoo.datasets",
    "metric": "ganzoo.metrics",
    "callback": "ganzoo.callbacks",
}
HOOKS = {"variant": "ganzoo_variants", "dataset": "ganzoo_datasets", "metric": "ganzoo_metrics"}
BUILTIN_DISTRIBUTION = "gan-zoo"
STRICT_ENV = "GANZOO_STRICT_PLUGINS"
ALLOW_ENV = "GANZOO_PLUGINS_ALLOW"
BLOCK_ENV = "GANZOO_PLUGINS_BLOCK"
HOME_ENV = "GANZOO_HOME"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def zoo_home() -> Path:
    return Path(os.environ.get(HOME_ENV) or Path.home() / ".cache" / "ganzoo")


@dataclass(frozen=True)
class PluginRef:
    """An entry point: what a plugin provides, known without importing it."""

    kind: str
    id: str
    module: str
    distribution: str | None
    version: str | None

    @property
    def builtin(self) -> bool:
        return canonical(self.distribution or "") == BUILTIN_DISTRIBUTION

    @property
    def key(self) -> str:
        return f"{self.distribution}=={self.version}:{self.kind}:{self.id}"


def _names(env: str) -> set[str]:
    return {canonical(n) for n in os.environ.get(env, "").split(",") if n.strip()}


def policy_refusal(ref: PluginRef) -> str | None:
    """Why the allow/block lists refuse this plugin, or None. Built-ins ignore the allow-list."""
    names = {canonical(ref.id), canonical(ref.distribution or "")}
    if names & _names(BLOCK_ENV):
        return f"blocked by {BLOCK_ENV}"
    allow = _names(ALLOW_ENV)
    if allow and not ref.builtin and not names & allow:
        return f"not in {ALLOW_ENV}"
    return None


def discover(kind: str) -> tuple[dict[str, PluginRef], dict[str, str]]:
    """Entry points of one kind: the usable ones by id, and the refused ones with the reason."""
    refs: dict[str, PluginRef] = {}
    refused: dict[str, str] = {}
    for entry_point in metadata.entry_points(group=GROUPS[kind]):
        dist = getattr(entry_point, "dist", None)
        ref = PluginRef(
            kind=kind,
            id=entry_point.name,
            module=entry_point.value.split(":")[0].strip(),
            distribution=dist.metadata["Name"] if dist else None,
            version=dist.version if dist else None,
        )
        if ref.id in refs:
            if refs[ref.id].distribution != ref.distribution:
                refused[ref.id] = (
                    f"{ref.distribution} also provides {kind} {ref.id!r}; "
                    f"using {refs[ref.id].distribution}"
                )
            continue
        reason = policy_refusal(ref)
        if reason:
            refused[ref.id] = reason
        else:
            refs[ref.id] = ref
    return refs, refused


class FailureLog:
    """Plugins that failed to load in this environment, so `zoo list` can show them as broken
    without importing anything. Keyed by distribution version: an upgrade clears the mark."""

    def __init__(self, path: Path | None = None):
        self.path = path or zoo_home() / "plugin-failures.json"

    def read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def update(self, ref: PluginRef, error: str | None) -> None:
        failures = self.read()
        if (failures.get(ref.key) == error) or (error is None and ref.key not in failures):
            return
        if error is None:
            failures.pop(ref.key, None)
        else:
            failures[ref.key] = error
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(failures, indent=1), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass


def looks_broken(ref: PluginRef, failures: dict[str, str]) -> str | None:
    """Cheap check for `zoo list`: a recorded failure, or a module that is not there at all."""
    if ref.key in failures:
        return failures[ref.key]
    top = ref.module.split(".")[0]
    try:
        found = importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        found = False
    return None if found else f"module {top!r} is not installed"


class PluginHost:
    """Finds plugins by id and imports only the one asked for."""

    def __init__(self, strict: bool | None = None):
        self.strict = os.environ.get(STRICT_ENV, "") not in ("", "0") if strict is None else strict
        self.manager = pluggy.PluginManager(hookspecs.PROJECT)
        self.manager.add_hookspecs(hookspecs)
        self.failures = FailureLog()
        self.broken: dict[tuple[str, str], str] = {}
        self._refs: dict[str, tuple[dict[str, PluginRef], dict[str, str]]] = {}
        self._objects: dict[tuple[str, str], Any] = {}

    def refs(self, kind: str) -> dict[str, PluginRef]:
        if kind not in self._refs:
            self._refs[kind] = discover(kind)
        return self._refs[kind][0]

    def refused(self, kind: str) -> dict[str, str]:
        self.refs(kind)
        return self._refs[kind][1]

    def ids(self, kind: str) -> list[str]:
        return sorted(set(self.refs(kind)) | {k for (kd, k) in self._objects if kd == kind})

    def register(self, kind: str, obj: Any, plugin: Any = None) -> None:
        """Register a provider in-process (tests, notebooks), bypassing entry points."""
        self._objects[(kind, obj.id)] = obj
        if plugin is not None and not self.manager.is_registered(plugin):
            self.manager.register(plugin)

    def get(self, kind: str, plugin_id: str) -> Any:
        """The provider of `plugin_id`, importing its plugin module on first use."""
        if (kind, plugin_id) in self._objects:
            return self._objects[(kind, plugin_id)]
        if (kind, plugin_id) in self.broken:
            raise PluginError(self.broken[(kind, plugin_id)])
        refs = self.refs(kind)
        if plugin_id not in refs:
            if plugin_id in self.refused(kind):
                raise PluginError(
                    f"{kind} {plugin_id!r} is refused: {self.refused(kind)[plugin_id]}"
                )
            raise UnknownNameError(self.unknown_message(kind, plugin_id))
        ref = refs[plugin_id]
        try:
            obj = self._load(ref)
        except PluginError as err:
            self.broken[(kind, plugin_id)] = str(err)
            self.failures.update(ref, str(err))
            if self.strict and err.__cause__ is not None:
                raise err.__cause__ from None
            raise
        self.failures.update(ref, None)
        self._objects[(kind, plugin_id)] = obj
        return obj

    def unknown_message(self, kind: str, plugin_id: str) -> str:
        import difflib

        close = difflib.get_close_matches(plugin_id, self.ids(kind), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        return f"no {kind} {plugin_id!r} is installed (known: {', '.join(self.ids(kind))}){hint}"

    def callbacks(self, run_dir: str, variant_id: str) -> list[Any]:
        """Every callback plugin's objects for one run; a failing plugin is reported and skipped."""
        found: list[Any] = []
        for ref in self.refs("callback").values():
            try:
                module = self._import(ref)
                found.extend(
                    self._call(
                        module,
                        "ganzoo_train_callbacks",
                        self._origin(ref),
                        run_dir=run_dir,
                        variant_id=variant_id,
                    )
                    or []
                )
            except PluginError as err:
                if self.strict:
                    raise
                self.broken[("callback", ref.id)] = str(err)
                self.failures.update(ref, str(err))
        return found

    @staticmethod
    def _origin(ref: PluginRef) -> str:
        return f"{ref.kind} plugin {ref.id!r} ({ref.distribution} {ref.version})"

    def _import(self, ref: PluginRef) -> Any:
        origin = self._origin(ref)
        try:
            module = importlib.import_module(ref.module)
        except (Exception, SystemExit) as err:
            message = f"{origin} failed to import: {type(err).__name__}: {err}"
            raise PluginError(message.splitlines()[0]) from err
        if not self.manager.is_registered(module):
            try:
                self.manager.register(module, name=ref.module)
            except Exception as err:
                raise PluginError(f"{origin} has invalid hooks: {err}") from err
        try:
            self._check_api(module, ref, origin)
        except PluginError:
            self.manager.unregister(module)
            raise
        return module

    def _check_api(self, module: Any, ref: PluginRef, origin: str) -> None:
        api = self._call(module, "ganzoo_api_version", origin)
        if api is None:
            raise PluginError(f"{origin} declares no plugin API version (hook ganzoo_api_version)")
        if api not in hookspecs.SUPPORTED_PLUGIN_APIS:
            supported = ", ".join(str(v) for v in sorted(hookspecs.SUPPORTED_PLUGIN_APIS))
            raise PluginError(
                f"{origin} needs plugin API {api}, but this gan-zoo provides API {supported}; "
                f"install a release of {ref.distribution} made for API {supported}, "
                "or a gan-zoo that supports its API"
            )

    def _load(self, ref: PluginRef) -> Any:
        origin = self._origin(ref)
        module = self._import(ref)
        provided = self._call(module, HOOKS[ref.kind], origin) or []
        for obj in provided:
            if getattr(obj, "id", None) == ref.id:
                return obj
        offered = ", ".join(repr(getattr(o, "id", o)) for o in provided) or "nothing"
        raise PluginError(f"{origin} is named {ref.id!r} but provides {offered}")

    def _call(self, module: Any, hook_name: str, origin: str, **kwargs: Any) -> Any:
        """Call one plugin's implementation of a hook, with its failure kept to itself."""
        for impl in getattr(self.manager.hook, hook_name).get_hookimpls():
            if impl.plugin is module:
                try:
                    return impl.function(**{k: kwargs[k] for k in impl.argnames})
                except Exception as err:
                    raise PluginError(f"{origin}: {hook_name} raised {err!r}") from err
        return None


_HOST: PluginHost | None = None


def host() -> PluginHost:
    """The process-wide host (commands and the Python API share it)."""
    global _HOST
    if _HOST is None:
        _HOST = PluginHost()
    return _HOST


def reset_host() -> None:
    global _HOST
    _HOST = None
