"""Finding a variant by id or catalogue name, and building its validated config."""

from __future__ import annotations

import json
import typing
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ganzoo.catalogue import load_catalogue
from ganzoo.contracts import TensorData, Variant, VariantConfig
from ganzoo.errors import ConfigError, PluginError, UnknownNameError
from ganzoo.plugins import host


def resolve_variant_id(name: str) -> str:
    """A variant id, or a catalogue name/alias whose entry is implemented ("AC-GAN" -> acgan)."""
    if name in host().ids("variant"):
        return name
    try:
        entry = load_catalogue().resolve(name)
    except UnknownNameError:
        raise UnknownNameError(host().unknown_message("variant", name)) from None
    if entry.implementation is None and entry.id not in host().ids("variant"):
        raise UnknownNameError(
            f"{entry.name} ({entry.id}) is catalogued but no installed plugin implements it; "
            f"implemented: {', '.join(host().ids('variant'))}"
        )
    return entry.implementation or entry.id


def variant_class(name: str) -> type[Variant]:
    cls = host().get("variant", resolve_variant_id(name))
    if not (isinstance(cls, type) and issubclass(cls, Variant)):
        raise PluginError(f"variant plugin {name!r} does not provide a ganzoo.contracts.Variant")
    if not (isinstance(cls.Config, type) and issubclass(cls.Config, VariantConfig)):
        raise PluginError(
            f"variant {cls.id!r}: Config must subclass ganzoo.contracts.VariantConfig"
        )
    return cls


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def config_fields(cls: type[Variant]) -> list[dict[str, Any]]:
    fields = []
    for name, info in cls.Config.model_fields.items():
        fields.append(
            {
                "name": name,
                "type": _type_name(info.annotation),
                "default": info.get_default(call_default_factory=True),
                "description": info.description or "",
            }
        )
    return json.loads(json.dumps(fields, default=str))


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_settings(settings: typing.Iterable[str]) -> dict[str, Any]:
    """`key=value` pairs; values are JSON when they parse as JSON ("0.5", "[0.5, 0.9]", "true")."""
    values: dict[str, Any] = {}
    for item in settings:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set expects key=value, got {item!r}")
        values[key.strip()] = _parse_value(value.strip())
    return values


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"cannot read config file {path}: {err.strerror}") from None
    try:
        if path.suffix == ".toml":
            try:
                import tomllib
            except ModuleNotFoundError:  # Python 3.10
                raise ConfigError(f"{path}: TOML config files need Python 3.11; use JSON") from None
            data = tomllib.loads(text)
        else:
            data = json.loads(text)
    except ValueError as err:
        raise ConfigError(f"{path}: not valid {path.suffix.lstrip('.') or 'JSON'}: {err}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a table of config keys")
    return data


def build_config(cls: type[Variant], values: dict[str, Any]) -> VariantConfig:
    """Validate through the variant's pydantic model; one line per failure, valid keys listed."""
    unknown = sorted(set(values) - set(cls.Config.model_fields))
    if unknown:
        valid = ", ".join(cls.Config.model_fields)
        raise ConfigError(
            f"{cls.id} has no config key {', '.join(map(repr, unknown))}; valid keys: {valid}"
        )
    try:
        return cls.Config.model_validate(values)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"{cls.id} config {where}={first.get('input')!r}: {first['msg']}"
        ) from None


def load_data(spec: str, variant_cls: type[Variant], config: Any, seed: int) -> TensorData:
    """The dataset named by `spec` (`name` or `name:argument`), as `variant_cls` asks for it."""
    name, _, argument = spec.partition(":")
    provider = host().get("dataset", name)
    if provider.needs_argument and not argument:
        raise ConfigError(f"dataset {name!r} needs an argument: --data {name}:...")
    return provider.load(variant_cls.data_request(config, argument or None, seed))
