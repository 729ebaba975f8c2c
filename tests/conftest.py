"""Shared fixtures: an isolated gan-zoo home, a fresh plugin host, fake installed distributions."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap
import traceback
from pathlib import Path

import pytest

from ganzoo import plugins

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


NETGUARD = Path(__file__).resolve().parent / "netguard"

# pytest-xdist runs one worker per core: each worker's torch (and every Python it starts) gets
# its share of the cores, not all of them, so the workers do not fight over threads.
if "PYTEST_XDIST_WORKER_COUNT" in os.environ:
    _share = max(1, (os.cpu_count() or 1) // int(os.environ["PYTEST_XDIST_WORKER_COUNT"]))
    os.environ["OMP_NUM_THREADS"] = str(_share)


@pytest.fixture(scope="session")
def classifier_cache(tmp_path_factory) -> Path:
    """Domain classifiers are keyed by a hash of their training data, so one trained by any test
    is the one every other test would train; sharing them (across pytest-xdist workers too, the
    files being written atomically) saves ~15 s of training a test."""
    root = tmp_path_factory.getbasetemp()
    cache = (root.parent if "PYTEST_XDIST_WORKER" in os.environ else root) / "classifiers"
    cache.mkdir(exist_ok=True)
    return cache


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch, classifier_cache):
    """Every test gets its own failure log and Hub cache, a fresh host, no plugin policy, and
    no network beyond loopback (in this process and in every Python it starts)."""
    import socket

    from netguard.sitecustomize import _loopback_only

    monkeypatch.setattr(socket.socket, "connect", _loopback_only)
    inherited = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(NETGUARD), *inherited]))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setenv("GANZOO_HOME", str(tmp_path / "ganzoo-home"))
    (tmp_path / "ganzoo-home").mkdir()
    (tmp_path / "ganzoo-home" / "classifiers").symlink_to(classifier_cache)
    for name in (plugins.STRICT_ENV, plugins.ALLOW_ENV, plugins.BLOCK_ENV, "GANZOO_REGISTRY"):
        monkeypatch.delenv(name, raising=False)
    plugins.reset_host()
    yield
    plugins.reset_host()


class FakeSite:
    """A folder on sys.path holding fake installed distributions with real entry-point
    metadata (a .dist-info folder), exactly what pip would leave behind."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        monkeypatch.syspath_prepend(str(root))
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(NETGUARD), str(root)]))

    def add(
        self,
        dist: str,
        version: str,
        entry_points: dict[str, dict[str, str]],
        modules: dict[str, str],
    ) -> None:
        info = self.root / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        lines = []
        for group, names in entry_points.items():
            lines.append(f"[{group}]")
            lines += [f"{name} = {value}" for name, value in names.items()]
        (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
        for name, source in modules.items():
            (self.root / f"{name}.py").write_text(textwrap.dedent(source))
        files = [f"{name}.py" for name in modules]
        files += [f"{info.name}/{f}" for f in ("METADATA", "entry_points.txt", "RECORD")]
        (info / "RECORD").write_text("".join(f"{f},,\n" for f in files))
        importlib.invalidate_caches()


@pytest.fixture
def fake_site(tmp_path, monkeypatch) -> FakeSite:
    return FakeSite(tmp_path / "site", monkeypatch)


def run_zoo(*args: str, env: dict | None = None, cwd: Path | None = None):
    """The `zoo` command in a fresh interpreter, as a user runs it (network guard included)."""
    return subprocess.run(
        [sys.executable, "-m", "ganzoo", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,
    )


def invoke_zoo(*args: str) -> subprocess.CompletedProcess:
    """The `zoo` command in this interpreter: the same command group and error handling as
    `run_zoo`, without a second torch import (seconds each on two cores). An unexpected
    exception comes back as status 1 with its traceback on stderr, as the console script's."""
    from click.testing import CliRunner

    from ganzoo.cli import cli

    result = CliRunner().invoke(cli, list(args), prog_name="zoo")
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(["zoo", *args], result.exit_code, result.stdout, stderr)
