import json

import ganzoo
from conftest import invoke_zoo

QUIET = {"device": "cpu", "sample_every": 0, "checkpoint_every": 0, "progress": False}


def test_zoo_eval_prints_every_default_metric_and_updates_the_card(tmp_path):
    run = ganzoo.train("dcgan", steps=20, batch_size=32, out=tmp_path / "run", **QUIET)
    done = invoke_zoo("eval", str(run), "-n", "300", "--json")
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
    report = json.loads(invoke_zoo("eval", str(run), "-n", "500", "--json").stdout)
    assert 0 <= report["scores"]["modes"]["modes"] <= 8
    assert report["features"] == "raw coordinates"


def test_eval_rejects_a_metric_that_does_not_apply(tmp_path):
    run = ganzoo.train("gan", steps=2, batch_size=16, out=tmp_path / "run", **QUIET)
    done = invoke_zoo("eval", str(run), "--metrics", "is")
    assert done.returncode == 2 and "does not apply to points" in done.stderr


def test_eval_refuses_a_translator_in_one_line(tmp_path):
    run = ganzoo.train("patchgan", steps=1, batch_size=4, width=4, out=tmp_path / "run", **QUIET)
    done = invoke_zoo("eval", str(run))
    assert done.returncode == 2 and "paired-images data has none to score" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_eval_every_keeps_the_best_model_and_warns_on_collapse(tmp_path, capsys):
    import torch

    from ganzoo.plugins import host
    from ganzoo_gan import GAN

    class Collapsing(GAN):
        id = "collapsing"

        def generate(self, generator, n, labels, rng):
            return super().generate(generator, n, labels, rng)[:1].expand(n, -1)

    host().register("variant", Collapsing)
    run = ganzoo.train(
        "collapsing",
        steps=4,
        batch_size=32,
        out=tmp_path / "run",
        eval_every=2,
        eval_samples=200,
        eval_metric="modes",
        **QUIET,
    )
    assert "possible mode collapse at step 2: sample diversity fell" in capsys.readouterr().err
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records if "eval_modes" in r] == [2, 4]
    assert all(r["eval_modes"] <= 1 for r in records if "eval_modes" in r)
    best = ganzoo.load(run / "best", device="cpu")
    assert torch.isfinite(best.sample(4, seed=0)).all()
