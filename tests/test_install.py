"""A real third-party plugin, end to end: built as a wheel, installed with `zoo install` into a
throwaway virtual environment, listed, trained, restored and uninstalled."""

import json
import subprocess
import sys

import pytest

from conftest import ROOT


def run(python, *args, check=True):
    done = subprocess.run([str(python), "-m", *args], capture_output=True, text=True, timeout=300)
    if check:
        assert done.returncode == 0, done.stdout[-1500:] + done.stderr[-1500:]
    return done


def status_of(python, plugin_id):
    rows = json.loads(run(python, "ganzoo", "list", "--json").stdout)
    return {r["id"]: r["status"] for r in rows}[plugin_id]


@pytest.mark.timeout(240)
def test_example_plugin_installs_trains_restores_and_uninstalls(tmp_path):
    wheels = tmp_path / "wheels"
    run(
        sys.executable,
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-q",
        "-w",
        str(wheels),
        str(ROOT / "examples" / "ganzoo-infogan"),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "venv",
            "--system-site-packages",
            "--without-pip",
            str(tmp_path / "venv"),
        ],
        check=True,
    )
    python = tmp_path / "venv" / "bin" / "python"
    assert status_of(python, "infogan") == "catalogued"

    installed = run(
        python, "ganzoo", "install", "--no-index", "--find-links", str(wheels), "ganzoo-infogan"
    )
    assert "the catalogue does not vouch for 'ganzoo-infogan'" in installed.stderr
    assert "ganzoo-infogan 0.1.0: variant 'infogan' (ok)" in installed.stdout
    assert status_of(python, "infogan") == "installed"

    run(
        python,
        "ganzoo",
        "train",
        "infogan",
        "--steps",
        "3",
        "--batch-size",
        "16",
        "--device",
        "cpu",
        "--sample-every",
        "0",
        "--out",
        str(tmp_path / "run"),
    )
    assert (tmp_path / "run" / "generator.safetensors").exists()

    run(python, "pip", "uninstall", "-y", "-q", "ganzoo-infogan")
    assert status_of(python, "infogan") == "catalogued"
    run(python, "ganzoo", "install", "--restore", "--no-index", "--find-links", str(wheels))
    assert status_of(python, "infogan") == "installed"

    run(python, "ganzoo", "uninstall", "ganzoo-infogan")
    assert status_of(python, "infogan") == "catalogued"


def test_uninstall_works_for_a_broken_plugin(tmp_path, fake_site):
    from plugin_sources import RAISES_ON_IMPORT

    fake_site.add(
        "zoo-broken",
        "0.3",
        {"ganzoo.variants": {"broken": "zoo_broken"}},
        {"zoo_broken": RAISES_ON_IMPORT},
    )
    done = run(sys.executable, "ganzoo", "uninstall", "zoo-broken", check=False)
    assert "Traceback" not in done.stderr
    assert done.returncode == 0, done.stderr


def test_new_plugin_template_passes_its_own_test(tmp_path):
    run(sys.executable, "ganzoo", "new-plugin", "tinygan", "--dir", str(tmp_path))
    folder = tmp_path / "ganzoo-tinygan"
    assert 'tinygan = "ganzoo_tinygan"' in (folder / "pyproject.toml").read_text()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    again = run(
        sys.executable, "ganzoo", "new-plugin", "tinygan", "--dir", str(tmp_path), check=False
    )
    assert again.returncode == 2 and "already exists" in again.stderr


def test_an_externally_managed_python_gets_advice_not_a_broken_install(monkeypatch):
    from click.testing import CliRunner

    from ganzoo import installer
    from ganzoo.cli import cli

    monkeypatch.setattr(installer, "externally_managed", lambda: True)
    calls = []
    monkeypatch.setattr(installer, "pip", lambda args: calls.append(args) or 0)
    result = CliRunner().invoke(cli, ["install", "ganzoo-infogan"])
    assert result.exit_code == 2 and "PEP 668" in result.output and "venv" in result.output
    assert calls == []


def test_pip_failures_pass_their_exit_status_on(monkeypatch):
    from click.testing import CliRunner

    from ganzoo import installer
    from ganzoo.cli import cli

    monkeypatch.setattr(installer, "externally_managed", lambda: False)
    monkeypatch.setattr(installer, "pip", lambda args: 7)
    result = CliRunner().invoke(cli, ["install", "no-such-plugin"])
    assert result.exit_code == 7
