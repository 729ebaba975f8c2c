import json
import os
import signal
import subprocess
import sys
import time
from typing import get_args

import numpy as np
import pytest
import torch

import ganzoo
from conftest import invoke_zoo, run_zoo
from ganzoo.engine.checkpoint import latest_checkpoint, match_parameter_layouts
from ganzoo.engine.tensorio import load_tensors
from ganzoo.errors import DataError, TrainingDiverged
from ganzoo.nn.norms import Norm
from ganzoo.plugins import host

QUIET = {"device": "cpu", "sample_every": 0, "checkpoint_every": 0, "progress": False}


def test_nan_guard_names_loss_and_step_and_keeps_last_good_checkpoint(tmp_path):
    from ganzoo_gan import GAN

    class Exploding(GAN):
        id = "exploding"

        def train_step(self, next_batch, step):
            losses = super().train_step(next_batch, step)
            if step == 4:
                losses["d_loss"] = torch.tensor(float("nan"))
            return losses

    host().register("variant", Exploding)
    with pytest.raises(
        TrainingDiverged, match=r"loss 'd_loss' became nan at step 5.*step-00000004"
    ):
        ganzoo.train(
            "exploding",
            steps=10,
            out=tmp_path / "run",
            batch_size=16,
            **{**QUIET, "checkpoint_every": 2},
        )
    assert latest_checkpoint(tmp_path / "run").name == "step-00000004"


KILL_DURING_SAVE = """
import sys, torch
from pathlib import Path
from ganzoo.contracts import Runtime
from ganzoo.engine.batches import DeviceBatches
from ganzoo.engine.checkpoint import save_checkpoint
from ganzoo.variants import load_data
from ganzoo.variants import build_config, variant_class
cls = variant_class("dcgan")
config = build_config(cls, {"width": 64})
data = load_data("digits", cls, config, 0)
variant = cls(config, data.info, Runtime(torch.device("cpu")))
variant.optimizers = variant.build_optimizers()
batches = DeviceBatches(data, 16, torch.device("cpu"), 0)
variant.train_step(batches, 0)
step = 0
print("ready", flush=True)
while True:
    step += 1
    with torch.no_grad():
        for p in variant.networks["generator"].parameters():
            p.fill_(float(step))
    save_checkpoint(Path(sys.argv[1]), step, variant, batches, {})
"""


@pytest.mark.parametrize("delay", [0.05, 0.21, 0.37])
def test_kill_during_checkpoint_leaves_previous_one_whole(tmp_path, delay):
    process = subprocess.Popen(
        [sys.executable, "-c", KILL_DURING_SAVE, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "ready"
    time.sleep(0.5 + delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    folder = latest_checkpoint(tmp_path)
    assert folder is not None
    step = json.loads((folder / "state.json").read_text())["step"]
    generator = load_tensors(folder / "generator.safetensors")
    weights = [v for k, v in generator.items() if k.endswith("weight") and "blocks" in k]
    assert all(torch.all(w == step) for w in weights)
    load_tensors(folder / "state.safetensors")


def test_two_process_gloo_ddp_equals_one_process_with_double_batch(tmp_path):
    common = [
        "train",
        "gan",
        "--steps",
        "4",
        "--device",
        "cpu",
        "--sample-every",
        "0",
        "--checkpoint-every",
        "0",
        "--log-every",
        "1",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    two = run_zoo(
        *common, "--batch-size", "16", "--nproc", "2", "--out", str(tmp_path / "two"), env=env
    )
    assert two.returncode == 0, two.stderr[-2000:]
    one = invoke_zoo(*common, "--batch-size", "32", "--out", str(tmp_path / "one"))
    assert one.returncode == 0, one.stderr[-2000:]
    for name in ("generator.safetensors", "discriminator.safetensors"):
        a = load_tensors(tmp_path / "two" / name)
        b = load_tensors(tmp_path / "one" / name)
        for key in a:
            torch.testing.assert_close(a[key], b[key], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "nope=1"], "dcgan has no config key 'nope'; valid keys: decay_start"),
        (["--set", "z_dim=lots"], "z_dim='lots': Input should be a valid integer"),
        (["--set", "image_size=20"], "image_size (16, 32, 64), not 20"),
        (["--set", "novalue"], "--set expects key=value"),
        (["--device", "cuda:3"], "--device cuda:3"),
        (["--device", "tpu"], "--device takes auto"),
        (["--steps", "0"], "--steps 0"),
        (["--data", "folder:/no/such/place"], "does not exist"),
        (
            ["--data", "ring8"],
            "dcgan needs images or labelled-images data; 'ring8' provides points",
        ),
        (["--data", "nosuchdata"], "no dataset 'nosuchdata'"),
        (["--batch-size", "5000"], "fewer than one batch of 5000"),
        (["--cuda-graph", "--device", "cpu"], "--cuda-graph needs a CUDA device"),
        (["--cuda-graph", "--set", "replay_size=8"], "cannot record its step as a CUDA graph"),
        (["--cuda-graph", "--set", "decay_start=0"], "--cuda-graph keeps the learning rates"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path, args, message):
    done = invoke_zoo("train", "dcgan", "--steps", "1", "--out", str(tmp_path / "r"), *args)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert message in done.stderr
    assert not (tmp_path / "r" / "config.json").exists()


def test_learning_rate_decay_follows_the_config_and_survives_resume(tmp_path):
    decay = {"decay_start": 2, "decay_steps": 4, "lr_g": 1e-3, "lr_d": 2e-3}
    common = {"data": "ring8", "batch_size": 16, **QUIET}
    straight = ganzoo.train("gan", steps=6, out=tmp_path / "straight", **decay, **common)
    constant = ganzoo.train(
        "gan", steps=6, out=tmp_path / "constant", lr_g=1e-3, lr_d=2e-3, **common
    )
    half = ganzoo.train("gan", steps=3, out=tmp_path / "half", **decay, **common)
    ganzoo.train("gan", steps=6, resume=half, **QUIET)

    def final_state(run):
        generator = load_tensors(run / "generator.safetensors")
        state = json.loads((latest_checkpoint(run) / "state.json").read_text())
        rates = [
            state["optimizers"][n]["param_groups"][0]["lr"] for n in ("generator", "discriminator")
        ]
        return generator, rates

    (g_straight, rates), (g_half, resumed_rates) = final_state(straight), final_state(half)
    assert rates == pytest.approx([0.25e-3, 0.5e-3])  # step 5 of 6: 1 - (5 - 2) / 4 of the rates
    assert resumed_rates == pytest.approx(rates)
    for name, tensor in g_straight.items():
        torch.testing.assert_close(g_half[name], tensor, rtol=0, atol=0)
    g_constant, _ = final_state(constant)
    assert any(not torch.equal(g_constant[k], v) for k, v in g_straight.items())


def test_restored_moments_take_their_parameters_layout():
    weight = torch.nn.Parameter(
        torch.randn(4, 3, 2, 2).contiguous(memory_format=torch.channels_last)
    )
    optimizer = torch.optim.Adam([weight], fused=True)
    weight.grad = torch.randn_like(weight)
    optimizer.step()
    saved = optimizer.state_dict()
    saved["state"][0] = {k: v.contiguous() for k, v in saved["state"][0].items()}
    restored = torch.optim.Adam([weight], fused=True)
    restored.load_state_dict(saved)
    assert restored.state[weight]["exp_avg"].stride() != weight.stride()
    match_parameter_layouts(restored)
    for key in ("exp_avg", "exp_avg_sq"):
        moment = restored.state[weight][key]
        assert moment.stride() == weight.stride()
        assert torch.equal(moment, optimizer.state[weight][key])


def test_config_file_is_validated(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"z_dim": 8, "lr_g": -1}')
    done = invoke_zoo("train", "dcgan", "--config", str(bad), "--out", str(tmp_path / "r"))
    assert done.returncode == 2 and "lr_g=-1" in done.stderr


def test_digits_are_scikit_learns_read_without_importing_it():
    from sklearn.datasets import load_digits

    from ganzoo.data.digits import digit_images

    images, labels = digit_images()
    bunch = load_digits()
    assert torch.equal(images, torch.from_numpy(bunch.images).float().unsqueeze(1) / 8 - 1)
    assert torch.equal(labels, torch.from_numpy(bunch.target).long())


def test_digits_without_scikit_learns_data_file_is_a_data_error(tmp_path, monkeypatch):
    import importlib.machinery

    from ganzoo.data.digits import digit_images

    spec = importlib.machinery.ModuleSpec("sklearn", None, is_package=True)
    spec.submodule_search_locations = [str(tmp_path)]
    monkeypatch.setattr("importlib.util.find_spec", lambda name: spec)
    with pytest.raises(DataError, match="reinstall scikit-learn"):
        digit_images()


def _write_png(path, array):
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def test_folder_dataset_reads_classes_and_counts_unreadable_files(tmp_path):
    rng = np.random.default_rng(0)
    for label in ("cats", "dogs"):
        for i in range(6):
            _write_png(
                tmp_path / "imgs" / label / f"{i}.png",
                rng.integers(0, 255, (20, 24), dtype=np.uint8),
            )
    (tmp_path / "imgs" / "dogs" / "broken.png").write_bytes(b"not a png")
    run = ganzoo.train(
        "cgan",
        data=f"folder:{tmp_path / 'imgs'}",
        steps=1,
        batch_size=4,
        out=tmp_path / "run",
        **QUIET,
    )
    config = json.loads((run / "config.json").read_text())
    assert config["data"]["class_names"] == ["cats", "dogs"]
    assert config["data"]["shape"] == [1, 16, 16]
    assert config["data"]["extra"]["skipped"] == 1


def test_folder_dataset_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    done = invoke_zoo("train", "dcgan", "--data", f"folder:{tmp_path / 'empty'}")
    assert done.returncode == 2 and "no images" in done.stderr
    _write_png(tmp_path / "mixed" / "a.png", np.zeros((8, 8), dtype=np.uint8))
    _write_png(tmp_path / "mixed" / "b.png", np.zeros((8, 8, 3), dtype=np.uint8))
    done = invoke_zoo("train", "dcgan", "--data", f"folder:{tmp_path / 'mixed'}")
    assert done.returncode == 2 and "mixes channel counts (1 with 1, 1 with 3)" in done.stderr


def test_sample_command_writes_grids_arrays_and_folders(tmp_path):
    run = ganzoo.train("cgan", steps=2, batch_size=8, out=tmp_path / "run", **QUIET)
    for name in ("grid.png", "raw.npy", "raw.safetensors", "each/"):
        done = invoke_zoo(
            "sample", str(run), "-n", "10", "--labels", "all", "-o", str(tmp_path / name)
        )
        assert done.returncode == 0, done.stderr
    assert np.load(tmp_path / "raw.npy").shape == (10, 1, 16, 16)
    assert len(list((tmp_path / "each").glob("*.png"))) == 10
    done = invoke_zoo("sample", str(run), "--labels", "3,3,11", "-o", str(tmp_path / "x.png"))
    assert done.returncode == 2 and "0..9" in done.stderr


def test_sample_with_explicit_labels_keeps_their_order(tmp_path):
    run = ganzoo.train("cgan", steps=2, batch_size=8, out=tmp_path / "run", **QUIET)
    model = ganzoo.load(run, device="cpu")
    labels = torch.tensor([3, 3, 7])
    together = model.sample(3, labels=labels, seed=1)
    assert together.shape == (3, 1, 16, 16)
    z = torch.randn(3, model.config.z_dim, generator=torch.Generator().manual_seed(1))
    generator = model.networks["generator"].eval()
    with torch.no_grad():
        assert torch.allclose(together, generator(z, labels))


def test_points_sample_scatter_and_plot(tmp_path):
    run = ganzoo.train(
        "gan", steps=3, batch_size=16, out=tmp_path / "run", **{**QUIET, "log_every": 1}
    )
    assert invoke_zoo("sample", str(run), "-o", str(tmp_path / "scatter.png")).returncode == 0
    assert invoke_zoo("plot", str(run)).returncode == 0
    assert (run / "losses.png").stat().st_size > 1000
    done = invoke_zoo("sample", str(run), "--labels", "1")
    assert done.returncode == 2 and "unconditional" in done.stderr


def test_existing_run_folder_is_not_overwritten(tmp_path):
    ganzoo.train("gan", steps=1, batch_size=16, out=tmp_path / "run", **QUIET)
    done = invoke_zoo("train", "gan", "--steps", "1", "--out", str(tmp_path / "run"))
    assert done.returncode == 2 and "--resume" in done.stderr


def test_pickled_weights_are_refused(tmp_path):
    from ganzoo.engine.tensorio import load_tensors as load

    path = tmp_path / "generator.pt"
    path.write_bytes(b"\x80\x04not really a pickle")
    with pytest.raises(Exception, match="pickles, which can run arbitrary code"):
        load(path)


CALLBACK_PLUGIN = """
import json
from ganzoo import PLUGIN_API_VERSION, hookimpl
from ganzoo.contracts import Callback


class Recorder(Callback):
    def __init__(self, run_dir):
        self.path = run_dir + "/recorded.jsonl"

    def _write(self, **record):
        with open(self.path, "a") as handle:
            handle.write(json.dumps(record) + "\\n")

    def on_train_start(self, run_dir, config):
        self._write(event="start", variant=config["variant"])

    def on_log(self, step, metrics):
        self._write(event="log", step=step, keys=sorted(metrics))

    def on_train_end(self, step):
        self._write(event="end", step=step)


@hookimpl
def ganzoo_api_version():
    return PLUGIN_API_VERSION


@hookimpl
def ganzoo_train_callbacks(run_dir, variant_id):
    return [Recorder(run_dir)]
"""


def test_callback_plugins_see_the_run(fake_site, tmp_path):
    fake_site.add(
        "zoo-recorder",
        "1.0",
        {"ganzoo.callbacks": {"recorder": "zoo_recorder"}},
        {"zoo_recorder": CALLBACK_PLUGIN},
    )
    run = ganzoo.train(
        "gan", steps=4, batch_size=16, out=tmp_path / "run", **{**QUIET, "log_every": 2}
    )
    events = [json.loads(line) for line in (run / "recorded.jsonl").read_text().splitlines()]
    assert events[0] == {"event": "start", "variant": "gan"}
    assert [e["step"] for e in events if e["event"] == "log"] == [2, 4]
    assert events[-1] == {"event": "end", "step": 4}


def test_ctrl_c_writes_a_checkpoint_and_exits_cleanly(tmp_path):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ganzoo",
            "train",
            "gan",
            "--steps",
            "100000",
            "--device",
            "cpu",
            "--out",
            str(tmp_path / "run"),
            "--log-every",
            "1",
            "--sample-every",
            "0",
            "--checkpoint-every",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    metrics = tmp_path / "run" / "metrics.jsonl"
    deadline = time.time() + 60
    while time.time() < deadline and not (metrics.exists() and metrics.stat().st_size > 200):
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted: checkpoint at step" in stderr and "Traceback" not in stderr
    folder = latest_checkpoint(tmp_path / "run")
    step = json.loads((folder / "state.json").read_text())["step"]
    done = invoke_zoo(
        "train",
        "--resume",
        str(tmp_path / "run"),
        "--steps",
        str(step + 3),
        "--device",
        "cpu",
        "--sample-every",
        "0",
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("norm", get_args(Norm))
def test_every_discriminator_normalisation_trains_and_reloads(tmp_path, norm):
    run = ganzoo.train("dcgan", steps=2, batch_size=16, d_norm=norm, out=tmp_path / "run", **QUIET)
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert all(np.isfinite(r["d_loss"]) and np.isfinite(r["g_loss"]) for r in records)
    discriminator = ganzoo.load(run, device="cpu").networks["discriminator"]
    reparametrised = [m for m in discriminator.modules() if hasattr(m, "parametrizations")]
    assert bool(reparametrised) == (norm in ("spectral", "weight"))


def test_graph_batches_follow_the_eager_batch_order_across_epochs():
    """A recorded step reads its batches through index buffers refilled before each replay;
    they must hold exactly the rows eager steps would have drawn, epoch after epoch."""
    from ganzoo.engine.batches import DeviceBatches
    from ganzoo.engine.graphs import GraphBatches
    from ganzoo.errors import ZooError
    from ganzoo.variants import build_config, load_data, variant_class

    cls = variant_class("cgan")
    data = load_data("digits", cls, build_config(cls, {}), 0)
    batch = len(data) // 3  # an epoch ends every third batch
    eager = DeviceBatches(data, batch, torch.device("cpu"), 7)
    graph = GraphBatches(DeviceBatches(data, batch, torch.device("cpu"), 7))
    for _ in range(4):  # steps of two batches each
        graph.fill(2)
        for _ in range(2):
            expected, got = eager(), graph()
            assert expected.keys() == got.keys() == {"x", "y"}
            for key in expected:
                torch.testing.assert_close(got[key], expected[key], rtol=0, atol=0)
        with pytest.raises(ZooError, match="more batches"):
            graph()
    assert graph.batches.epoch == eager.epoch == 2
