"""The FID Inception-v3 extractor: layout, hash-checked loading (local file and Hub stand-in),
and the one-line refusals of `zoo eval --features inception`. No real weights: a randomly
initialised network saved as safetensors stands in for them."""

import os
import time

import pytest
import torch
from safetensors.torch import save_file

import ganzoo
from conftest import invoke_zoo, run_zoo
from ganzoo.contracts import DataInfo, DataKind, TensorData
from ganzoo.errors import ZooError
from ganzoo.hub import PinnedFile, sha256_of
from ganzoo.metrics.inception import FID_INCEPTION, FIDInception, InceptionExtractor, fid_inception

QUIET = {"device": "cpu", "sample_every": 0, "checkpoint_every": 0, "progress": False}


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory):
    """Random weights in the published file's layout (no batch-norm step counters), and a pin."""
    torch.manual_seed(0)
    model = FIDInception()
    for name, tensor in model.state_dict().items():
        if name.endswith("running_var"):
            tensor.uniform_(0.5, 1.5)
        elif name.endswith("running_mean"):
            tensor.normal_(0, 0.1)
    path = tmp_path_factory.mktemp("weights") / "fid_inception.safetensors"
    tensors = {k: v for k, v in model.state_dict().items() if "num_batches" not in k}
    save_file(tensors, path)
    pinned = PinnedFile(FID_INCEPTION.repo_id, FID_INCEPTION.filename, sha256_of(path))
    return model.eval(), path, pinned


def test_layout_is_the_fid_inception_one():
    model = FIDInception()
    state = {k: v for k, v in model.state_dict().items() if "num_batches" not in k}
    # torchvision's inception_v3(num_classes=1008, aux_logits=False), which pytorch-fid patches:
    # 472 tensors, 23,885,392 numbers (scripts/compare_fid_inception.py checks the forward too)
    assert len(state) == 472 and sum(v.numel() for v in state.values()) == 23_885_392
    assert state["Mixed_7c.branch_pool.conv.weight"].shape == (192, 2048, 1, 1)
    assert model.Mixed_7c.max_pool and not model.Mixed_7b.max_pool
    with torch.inference_mode():
        features, logits = model.eval()(torch.rand(2, 1, 16, 16) * 2 - 1)
    assert features.shape == (2, 2048) and logits.shape == (2, 1008)


def test_local_weights_load_only_with_the_pinned_hash(stand_in, tmp_path):
    model, path, pinned = stand_in
    loaded = fid_inception(path, pinned)
    assert all(torch.equal(loaded.state_dict()[k], v) for k, v in model.state_dict().items())
    with pytest.raises(ZooError, match=r"have sha256 .*refusing them"):
        fid_inception(path)
    other = tmp_path / "other.safetensors"
    save_file({"fc.weight": torch.zeros(3, 3)}, other)
    with pytest.raises(ZooError, match="not an FID Inception-v3 state dict: 471 missing"):
        fid_inception(other, PinnedFile("a/b", "c", sha256_of(other)))


def test_extract_gives_pool3_features_and_class_probabilities(stand_in, monkeypatch):
    from ganzoo.engine import evaluation

    model, path, pinned = stand_in
    monkeypatch.setattr("ganzoo.metrics.inception.FID_INCEPTION", pinned)
    images = torch.rand(5, 1, 16, 16) * 2 - 1
    info = DataInfo(spec="tiny", kind=DataKind.IMAGES, shape=(1, 16, 16))
    data = TensorData(train={"x": images}, info=info, test={"x": images[:3]})
    real, fake, name = evaluation.extract(data, images[3:], "inception", path)
    assert name == f"FID Inception-v3 sha256 {pinned.sha256[:12]} (pool3, 2048-d)"
    with torch.inference_mode():
        expected, logits = model(images)
    torch.testing.assert_close(torch.cat([real.features, fake.features]), expected)
    torch.testing.assert_close(fake.probs, logits[3:].softmax(dim=1))
    batched = InceptionExtractor(model, batch=2).embed(images)[0]
    torch.testing.assert_close(batched, expected)


def test_hub_download_is_cached_without_requests_and_a_wrong_file_is_removed(
    stand_in, tmp_path, monkeypatch
):
    from huggingface_hub import constants

    from ganzoo.hub import pull_file
    from hubserver import FakeHub

    _, path, pinned = stand_in
    hub = FakeHub().start()
    try:
        monkeypatch.setattr("ganzoo.hub.endpoint", lambda: hub.endpoint)
        monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "cache"))
        hub.commit(pinned.repo_id, "main", {pinned.filename: path.read_bytes()})
        first = pull_file(pinned)
        assert sha256_of(first) == pinned.sha256
        hub.requests.clear()
        assert pull_file(pinned) == first and hub.requests == []
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
        assert pull_file(pinned) == first
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        wrong = PinnedFile(pinned.repo_id, pinned.filename, "0" * 64)
        with pytest.raises(ZooError, match=r"gan-zoo pins 000000000000.*refused and removed"):
            pull_file(wrong)
        assert not first.exists()
    finally:
        hub.stop()


def test_zoo_eval_refuses_wrong_or_unreachable_weights_in_one_line(stand_in, tmp_path):
    _, path, _ = stand_in
    run = ganzoo.train("dcgan", steps=2, batch_size=16, out=tmp_path / "run", **QUIET)
    common = ["eval", str(run), "-n", "20", "--features", "inception"]
    wrong = invoke_zoo(*common, "--inception-weights", str(path))
    assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1
    assert f"have sha256 {sha256_of(path)[:12]}..." in wrong.stderr
    assert f"{FID_INCEPTION.sha256[:12]}..." in wrong.stderr
    start = time.perf_counter()
    offline = run_zoo(*common, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert offline.returncode == 2 and offline.stderr.count("\n") == 1
    assert "fid_inception.safetensors is not in the Hugging Face cache" in offline.stderr
    assert time.perf_counter() - start < 30
