import json

import ganzoo
from conftest import run_zoo

QUIET = {"device": "cpu", "sample_every": 0, "checkpoint_every": 0, "progress": False}


def test_zoo_eval_prints_every_default_metric_and_updates_the_card(tmp_path):
    run = ganzoo.train("dcgan", steps=20, batch_size=32, out=tmp_path / "run", **QUIET)
    done = run_zoo("eval", str(run), "-n", "300", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report["scores"]) == {"fid", "kid", "pr", "dc", "is"}
    assert report["samples"] == 300 and report["real"] == 359
    assert "domain classifier" in report["features"]
    values = [v for scores in report["scores"].values() for v in scores.values()]
    assert all(isinstance(v, float) for v in values)
    assert "## Evaluation" in (run / "README.md").read_text()


def test_zoo_eval_on_points_counts_modes(tmp_path):
    run = ganzoo.train("gan", steps=20, batch_size=64, out=tmp_path / "run", **QUIET)
    report = json.loads(run_zoo("eval", str(run), "-n", "500", "--json").stdout)
    assert 0 <= report["scores"]["modes"]["modes"] <= 8
    assert report["features"] == "raw coordinates"


def test_eval_rejects_a_metric_that_does_not_apply(tmp_path):
    run = ganzoo.train("gan", steps=2, batch_size=16, out=tmp_path / "run", **QUIET)
    done = run_zoo("eval", str(run), "--metrics", "is")
    assert done.returncode == 2 and "does not apply to points" in done.stderr
