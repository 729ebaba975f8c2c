"""Hub round trips against a Hub stand-in on 127.0.0.1 (tests/hubserver.py); no network."""

import json
import os
import re
import subprocess
import sys
import time

import numpy as np
import pytest

import ganzoo
from conftest import ROOT, run_zoo
from hubserver import FakeHub

QUIET = {"device": "cpu", "sample_every": 0, "checkpoint_every": 0, "progress": False}


@pytest.fixture
def hub(monkeypatch):
    server = FakeHub().start()
    monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
    monkeypatch.setenv("HF_TOKEN", "hf_test_token_not_real")
    yield server
    server.stop()


@pytest.fixture
def pushed(hub, tmp_path):
    run = ganzoo.train("dcgan", steps=2, batch_size=16, out=tmp_path / "run", **QUIET)
    done = run_zoo("push", str(run), "--repo-id", "zoo-tests/dcgan-digits")
    assert done.returncode == 0, done.stderr[-2000:]
    entry = json.loads(done.stdout[done.stdout.index("{") :])
    return run, entry


def sample(source, out, *extra, env=None):
    done = run_zoo(
        "sample",
        source,
        "-n",
        "8",
        "--seed",
        "3",
        "-o",
        str(out),
        "--device",
        "cpu",
        *extra,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return np.load(out)


def test_push_pull_sample_gives_the_local_images(pushed, hub, tmp_path):
    run, entry = pushed
    assert re.fullmatch(r"[0-9a-f]{40}", entry["revision"])
    assert {f["path"] for f in entry["files"]} >= {"config.json", "generator.safetensors"}
    local = sample(str(run), tmp_path / "local.npy")
    remote = sample("hf:zoo-tests/dcgan-digits", tmp_path / "remote.npy")
    np.testing.assert_array_equal(local, remote)
    card = hub.repos["zoo-tests/dcgan-digits"].commits[entry["revision"]]["README.md"].decode()
    assert "library_name: gan-zoo" in card and "- dcgan" in card and "digits" in card


def test_pinned_revision_in_the_cache_makes_no_request(pushed, hub, tmp_path):
    _, entry = pushed
    source = f"hf:zoo-tests/dcgan-digits@{entry['revision']}"
    assert run_zoo("pull", source, "--device", "cpu").returncode == 0
    hub.requests.clear()
    again = run_zoo("pull", source, "--device", "cpu")
    assert again.returncode == 0, again.stderr
    assert hub.requests == []


def test_offline_reload_uses_the_cache_and_a_missing_snapshot_fails_fast(pushed, tmp_path):
    _, entry = pushed
    source = f"hf:zoo-tests/dcgan-digits@{entry['revision']}"
    online = sample(source, tmp_path / "online.npy")
    offline_env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    np.testing.assert_array_equal(online, sample(source, tmp_path / "offline.npy", env=offline_env))
    start = time.perf_counter()  # the interpreter's start and imports, on this machine now
    imports_only = "import ganzoo.cli, ganzoo.hub, huggingface_hub, torch"
    subprocess.run([sys.executable, "-c", imports_only], check=True)
    imports = time.perf_counter() - start
    for env in (offline_env, {**os.environ, "HF_ENDPOINT": "http://127.0.0.1:9"}):
        start = time.perf_counter()
        done = run_zoo("pull", "hf:zoo-tests/never-pushed", env=env)
        elapsed = time.perf_counter() - start
        assert done.returncode == 2 and "hf:zoo-tests/never-pushed" in done.stderr
        assert "hf-cache" in done.stderr and done.stderr.count("\n") == 1
        assert elapsed < imports + 2  # under 2 s of waiting beyond them


def test_tampered_file_is_refused_and_removed(pushed, hub, tmp_path, monkeypatch):
    _, entry = pushed
    registry = json.loads((ROOT / "registry.json").read_text())
    for row in registry["entries"]:
        if row["id"] == "dcgan":
            row["weights"] = [entry]
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(registry))
    monkeypatch.setenv("GANZOO_REGISTRY", str(path))
    assert run_zoo("pull", "dcgan", "--device", "cpu").returncode == 0
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "fresh-cache"))
    hub.tamper("zoo-tests/dcgan-digits", entry["revision"], "generator.safetensors", b"\x00" * 64)
    done = run_zoo("pull", "dcgan", "--device", "cpu")
    assert done.returncode == 2 and "refused and removed" in done.stderr
    cached = list((tmp_path / "fresh-cache").rglob("generator.safetensors"))
    assert cached == []


def test_pickle_only_repositories_are_refused(hub):
    hub.commit("zoo-tests/pickled", "main", {"config.json": b"{}", "generator.bin": b"\x80\x04."})
    done = run_zoo("pull", "hf:zoo-tests/pickled")
    assert done.returncode == 2 and "Python pickles" in done.stderr and "safetensors" in done.stderr


def test_file_names_that_escape_are_refused(hub):
    hub.commit("zoo-tests/escape", "main", {"config.json": b"{}", "../../evil.safetensors": b"x"})
    done = run_zoo("pull", "hf:zoo-tests/escape")
    assert done.returncode == 2 and "would escape its folder" in done.stderr


def test_resume_from_a_hub_snapshot_starts_a_new_run_from_its_weights(pushed, tmp_path):
    done = run_zoo(
        "train",
        "--resume",
        "hf:zoo-tests/dcgan-digits",
        "--steps",
        "4",
        "--out",
        str(tmp_path / "continued"),
        "--device",
        "cpu",
        "--sample-every",
        "0",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "optimizers start fresh" in done.stderr
    config = json.loads((tmp_path / "continued" / "config.json").read_text())
    assert config["variant"] == "dcgan" and config["step"] == 4
    too_short = run_zoo(
        "train",
        "--resume",
        "hf:zoo-tests/dcgan-digits",
        "--steps",
        "2",
        "--out",
        str(tmp_path / "short"),
        "--device",
        "cpu",
    )
    assert too_short.returncode == 2 and "starts at step 2" in too_short.stderr
