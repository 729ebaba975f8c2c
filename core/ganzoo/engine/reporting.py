"""Progress and logs of a run: a rich progress bar on a terminal (plain lines otherwise),
metrics.jsonl, and the callbacks plugins attach (TensorBoard, W&B...)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from ganzoo.contracts import Callback
from ganzoo.engine.runfolder import METRICS_FILE


def truncate_metrics(run_dir: Path, last_step: int) -> None:
    """On resume, forget lines logged after the checkpoint we continue from."""
    path = run_dir / METRICS_FILE
    if not path.exists():
        return
    kept = [
        line
        for line in path.read_text().splitlines()
        if line.strip() and json.loads(line).get("step", 0) <= last_step
    ]
    path.write_text("".join(line + "\n" for line in kept))


class Reporter:
    def __init__(
        self,
        run_dir: Path,
        total: int,
        start: int,
        enabled: bool,
        show_bar: bool | None,
        callbacks: list[Callback],
    ):
        self.path = run_dir / METRICS_FILE
        self.total = total
        self.enabled = enabled
        self.callbacks = callbacks if enabled else []
        self.show_bar = enabled and (sys.stderr.isatty() if show_bar is None else show_bar)
        self._last_time = time.perf_counter()
        self._last_step = start
        self._progress = None
        if self.show_bar:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("[bold]train"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[losses]}"),
                TextColumn("{task.fields[speed]}"),
                TimeRemainingColumn(),
                transient=False,
            )
            self._task = self._progress.add_task(
                "train", total=total, completed=start, losses="", speed=""
            )
            self._progress.start()

    def start(self, run_dir: str, config: dict[str, Any]) -> None:
        for callback in self.callbacks:
            callback.on_train_start(run_dir, config)

    def log(self, step: int, losses: dict[str, float]) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        speed = (step - self._last_step) / max(now - self._last_time, 1e-9)
        self._last_time, self._last_step = now, step
        record = {
            "step": step,
            **{k: round(v, 6) for k, v in losses.items()},
            "it_per_s": round(speed, 3),
            "time": round(time.time(), 3),
        }
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
        text = "  ".join(f"{k} {v:.4f}" for k, v in losses.items())
        if self._progress is not None:
            self._progress.update(
                self._task, completed=step, losses=text, speed=f"{speed:.1f} it/s"
            )
        else:
            print(f"step {step}/{self.total}  {text}  {speed:.1f} it/s", file=sys.stderr)
        for callback in self.callbacks:
            callback.on_log(step, losses)

    def log_eval(self, step: int, values: dict[str, float]) -> None:
        record = {"step": step, **{k: round(v, 6) for k, v in values.items()}}
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
        text = "  ".join(f"{k} {v:.4f}" for k, v in values.items())
        if self._progress is not None:
            self._progress.console.print(f"step {step}: {text}")
        else:
            print(f"step {step}  {text}", file=sys.stderr)
        for callback in self.callbacks:
            callback.on_log(step, values)

    def checkpoint(self, step: int, path: Path) -> None:
        for callback in self.callbacks:
            callback.on_checkpoint(step, str(path))

    def close(self, step: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=step)
            self._progress.stop()
        for callback in self.callbacks:
            callback.on_train_end(step)
