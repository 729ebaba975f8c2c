"""The one folder format (DESIGN.md): config.json, one safetensors file per network, a model
card; runs add metrics.jsonl, samples/ and checkpoint/. Runs, hub snapshots and pushed repos
share it, so anything that reads one reads all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from ganzoo import __version__
from ganzoo.contracts import DataInfo, Runtime, Variant
from ganzoo.engine.tensorio import atomic_write_bytes, atomic_write_json, load_tensors, save_tensors
from ganzoo.errors import ZooError

CONFIG_FILE = "config.json"
CARD_FILE = "README.md"
METRICS_FILE = "metrics.jsonl"


def weights_file(name: str, ema: bool = False) -> str:
    return f"{name}_ema.safetensors" if ema else f"{name}.safetensors"


def run_config(variant: Variant, train: dict[str, Any]) -> dict[str, Any]:
    return {
        "variant": variant.id,
        "config": variant.config.model_dump(mode="json"),
        "data": variant.data.to_json(),
        "train": train,
        "gan_zoo_version": __version__,
        "networks": sorted(variant.networks),
        "ema": sorted(variant.ema),
    }


def export(run_dir: Path, variant: Variant, train: dict[str, Any], step: int) -> None:
    """Write the shareable part of a run: config, weights, card (each file atomically)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    for name, network in variant.networks.items():
        save_tensors(run_dir / weights_file(name), network.state_dict(), {"step": str(step)})
    for name, network in variant.ema.items():
        save_tensors(
            run_dir / weights_file(name, ema=True), network.state_dict(), {"step": str(step)}
        )
    config = run_config(variant, train) | {"step": step}
    atomic_write_json(run_dir / CONFIG_FILE, config)
    card = run_dir / CARD_FILE
    if not card.exists():
        atomic_write_bytes(card, model_card(config).encode())


def model_card(config: dict[str, Any]) -> str:
    return (
        f"---\nlibrary_name: gan-zoo\ntags: [gan, {config['variant']}]\n---\n\n"
        f"# {config['variant']} trained with gan-zoo\n\n"
        f"- data: `{config['data']['spec']}`\n- networks: {', '.join(config['networks'])}\n\n"
        "## How to sample\n\n```bash\nzoo sample THIS_FOLDER -n 64 -o grid.png\n```\n\n"
        "```python\nimport ganzoo\nmodel = ganzoo.load('THIS_FOLDER')\n"
        "samples = model.sample(16, seed=0)\n```\n"
    )


def read_config(run_dir: Path) -> dict[str, Any]:
    path = run_dir / CONFIG_FILE
    if not run_dir.exists():
        raise ZooError(f"{run_dir}: no such run folder")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ZooError(f"{run_dir} is not a gan-zoo run folder (no {CONFIG_FILE})") from None
    except json.JSONDecodeError as err:
        raise ZooError(f"{path}: not valid JSON ({err.msg}, line {err.lineno})") from None
    for key in ("variant", "config", "data"):
        if key not in data:
            raise ZooError(f"{path}: missing {key!r}")
    return data


def build_variant(config: dict[str, Any], device: torch.device) -> Variant:
    from ganzoo.variants import build_config, variant_class

    cls = variant_class(config["variant"])
    variant_config = build_config(cls, config["config"])
    return cls(variant_config, DataInfo.from_json(config["data"]), Runtime(device))


def load_weights(variant: Variant, run_dir: Path, ema_names: list[str]) -> None:
    """Strict key matching: a file that does not fit the network is an error, not a warning."""
    from ganzoo.nn.ema import EMA

    for name, network in variant.networks.items():
        load_into(network, run_dir / weights_file(name), variant.device)
    for name in ema_names:
        shadow = EMA(variant.networks[name], 0.0).shadow
        load_into(shadow, run_dir / weights_file(name, ema=True), variant.device)
        variant.ema[name] = shadow


def load_into(network: torch.nn.Module, path: Path, device: torch.device) -> None:
    state = load_tensors(path, device)
    try:
        network.load_state_dict(state, strict=True)
    except RuntimeError as err:
        first = str(err).splitlines()[1].strip() if "\n" in str(err) else str(err)
        raise ZooError(f"{path.name} does not match the network: {first}") from None


def load_model(source: str | Path, device: torch.device) -> Variant:
    run_dir = Path(source)
    config = read_config(run_dir)
    variant = build_variant(config, device)
    load_weights(variant, run_dir, config.get("ema", []))
    return variant
