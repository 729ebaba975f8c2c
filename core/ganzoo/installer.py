"""Installing and removing third-party plugins: pip in a subprocess of this Python, then a
fresh process to see what the new plugin provides. No torch, no plugin import here."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

from ganzoo.catalogue import load_catalogue
from ganzoo.errors import UnknownNameError, ZooError
from ganzoo.plugins import canonical, zoo_home


def externally_managed() -> bool:
    """PEP 668: a distribution-managed Python outside a virtual environment."""
    in_venv = sys.prefix != getattr(sys, "base_prefix", sys.prefix)
    marker = Path(sysconfig.get_paths()["stdlib"]) / "EXTERNALLY-MANAGED"
    return marker.exists() and not in_venv


def vouched_distributions() -> dict[str, str]:
    """Distributions that catalogue entries name, by canonical name -> entry id."""
    return {canonical(e.distribution): e.id for e in load_catalogue().entries if e.distribution}


def resolve_target(target: str) -> tuple[str, bool]:
    """(what pip gets, whether the catalogue vouches for it). Paths and wheels pass through."""
    if os.sep in target or target.endswith((".whl", ".tar.gz", ".zip")) or Path(target).exists():
        return target, False
    vouched = vouched_distributions()
    if canonical(target) in vouched:
        return target, True
    try:
        entry = load_catalogue().resolve(target)
    except UnknownNameError:
        return target, False
    if entry.distribution:
        return entry.distribution, True
    return target, False


class InstallRecord:
    """Plugins installed through `zoo install`, so `zoo install --restore` can bring them back
    after gan-zoo itself was upgraded or reinstalled."""

    def __init__(self, path: Path | None = None):
        self.path = path or zoo_home() / "installed.json"

    def read(self) -> list[str]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return []
        return [t for t in data if isinstance(t, str)] if isinstance(data, list) else []

    def write(self, targets: list[str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(sorted(set(targets)), indent=1) + "\n")


def pip(arguments: list[str]) -> int:
    return subprocess.call([sys.executable, "-m", "pip", *arguments])


def plugins_of(distributions: list[str]) -> list[dict]:
    """What the named distributions provide, checked in a fresh process (imports included)."""
    only = [arg for d in distributions for arg in ("--distribution", d)]
    done = subprocess.run(
        [sys.executable, "-m", "ganzoo", "plugins", "--check", "--json", *only],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise ZooError(f"could not list plugins after installing: {done.stderr.strip()[:200]}")
    wanted = {canonical(d) for d in distributions}
    return [r for r in json.loads(done.stdout) if canonical(r["distribution"] or "") in wanted]


def installed_distribution(target: str) -> str | None:
    """The distribution name pip installed for a target (a path, wheel or name)."""
    name = Path(target).name
    if name.endswith(".whl"):
        return name.split("-")[0]
    if Path(target).is_dir():
        pyproject = Path(target) / "pyproject.toml"
        if pyproject.exists():
            match = re.search(r'^name\s*=\s*"([^"]+)"', pyproject.read_text(), re.MULTILINE)
            return match[1] if match else None
        return None
    return target.split("==")[0].split(">=")[0].split("[")[0].strip()
