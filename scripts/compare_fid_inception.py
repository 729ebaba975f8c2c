"""Checks `ganzoo.metrics.inception.FIDInception` against pytorch-fid's network, offline: both get
the same random weights (with non-trivial batch-norm statistics) and the same images.

    pip install pytorch-fid   # brings torchvision
    python scripts/compare_fid_inception.py

pytorch-fid builds its FID network from torchvision's Inception-v3 and downloads the weights;
here the download is replaced by the random state dict, so the check needs no network.
"""

from __future__ import annotations

import torch
from pytorch_fid import inception as reference
from torchvision.models.inception import inception_v3

from ganzoo.metrics.inception import FIDInception


def reference_network() -> torch.nn.Module:
    """pytorch-fid's `fid_inception_v3()`, minus the weights download."""
    network = inception_v3(num_classes=1008, aux_logits=False, weights=None, init_weights=False)
    network.Mixed_5b = reference.FIDInceptionA(192, pool_features=32)
    network.Mixed_5c = reference.FIDInceptionA(256, pool_features=64)
    network.Mixed_5d = reference.FIDInceptionA(288, pool_features=64)
    network.Mixed_6b = reference.FIDInceptionC(768, channels_7x7=128)
    network.Mixed_6c = reference.FIDInceptionC(768, channels_7x7=160)
    network.Mixed_6d = reference.FIDInceptionC(768, channels_7x7=160)
    network.Mixed_6e = reference.FIDInceptionC(768, channels_7x7=192)
    network.Mixed_7b = reference.FIDInceptionE_1(1280)
    network.Mixed_7c = reference.FIDInceptionE_2(2048)
    return network


def main() -> None:
    torch.manual_seed(0)
    network = reference_network()
    state = network.state_dict()
    for name, tensor in state.items():
        if name.endswith(("running_var", "bn.weight")):
            tensor.uniform_(0.5, 1.5)
        elif name.endswith(("running_mean", ".bias")):
            tensor.normal_(0, 0.1)
    reference.fid_inception_v3 = lambda: network
    theirs = reference.InceptionV3([3], resize_input=True, normalize_input=True).eval()
    ours = FIDInception().eval()
    print("state dict:", ours.load_state_dict(state, strict=True))
    images = torch.rand(4, 3, 32, 32)
    with torch.inference_mode():
        expected = theirs(images)[0].flatten(1)
        features, logits = ours(2 * images - 1)
        expected_logits = network.fc(expected)
    print(f"pool3 features: max |difference| {(features - expected).abs().max():.2e}")
    print(f"logits: max |difference| {(logits - expected_logits).abs().max():.2e}")


if __name__ == "__main__":
    main()
