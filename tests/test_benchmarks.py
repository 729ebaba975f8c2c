"""Seconds-long smoke runs of the benchmarks: they check the harnesses, not the figures."""

import subprocess
import sys

import pytest

from conftest import ROOT


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (["train_throughput.py", "--smoke"], "speed-up:"),
        (["cuda_graph_check.py", "--smoke"], "| dcgan | 0.00e+00 |"),
        (["metrics_speed.py", "--smoke"], "PR/DC"),
        (["metrics_speed.py", "--memory", "600", "--dim", "16"], "peak resident memory"),
        (["list_speed.py", "--repeats", "1"], "zoo list takes 1/"),
        (["acgan_digits.py", "--smoke", "--figure", "{tmp}/samples.png"], "| acgan-tac |"),
        (["modes.py", "--smoke", "--figures", "{tmp}"], "| otgan (this run) |"),
        (["stacked_digits.py", "--smoke"], "| improved-gan |"),
        (["translation_digits.py", "--smoke", "--figures", "{tmp}"], "| BtoA |"),
        (["seqgan_oracle.py", "--smoke", "--out", "{tmp}"], "| SeqGAN |"),
        (["stackgan_shapes.py", "--smoke", "--out", "{tmp}"], "| FID stage II |"),
    ],
)
def test_benchmark_smoke(script, expected, tmp_path):
    arguments = [a.replace("{tmp}", str(tmp_path)) for a in script[1:]]
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script[0]), *arguments],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert expected in done.stdout, done.stderr[-2000:]


def test_seqgan_benchmark_forked_from_pretraining_equals_a_run_from_scratch(tmp_path):
    """`--pretrained` reuses MLE and D pre-training; the adversarial leg must come out as if the
    whole run had trained with the new settings."""

    def run(out, *extra):
        script = ROOT / "benchmarks" / "seqgan_oracle.py"
        arguments = [sys.executable, str(script), "--smoke", "--out", str(tmp_path / out), *extra]
        subprocess.run(arguments, check=True, capture_output=True, timeout=300)
        return (tmp_path / out / "results.json").read_text()

    run("default")
    scratch = run("scratch", "--rollout-rate", "0")
    forked = run("forked", "--rollout-rate", "0", "--pretrained", str(tmp_path / "default"))
    assert forked == scratch
