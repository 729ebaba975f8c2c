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
        (["translation_digits.py", "--smoke"], "| BtoA |"),
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
