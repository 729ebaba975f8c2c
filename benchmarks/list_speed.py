"""Cold `zoo list` against `python -c "import torch"`, in one run on one machine.

    python benchmarks/list_speed.py [--repeats 5]

Acceptance (issue 2): the median `zoo list` wall time is at most 1/6 of the median torch import.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import subprocess
import sys
import time


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    zoo = shutil.which("zoo")
    list_command = [zoo, "list"] if zoo else [sys.executable, "-m", "ganzoo", "list"]
    commands = {"zoo list": list_command, "import torch": [sys.executable, "-c", "import torch"]}
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.repeats):  # interleaved, so drifting load hits both alike
        for name, command in commands.items():
            times[name].append(wall(command))
    medians = {name: statistics.median(values) for name, values in times.items()}
    ratio = medians["import torch"] / medians["zoo list"]
    print(
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}"
    )
    for name, value in medians.items():
        print(f"{name:>13}: median {value * 1000:.0f} ms over {args.repeats} runs")
    print(f"zoo list takes 1/{ratio:.1f} of the torch import (target: at most 1/6)")
    return 0 if ratio >= 6 else 1


if __name__ == "__main__":
    raise SystemExit(main())
