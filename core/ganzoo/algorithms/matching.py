"""The conditional discriminator's training (LECTURES.md section 5): one positive kind and two
negative kinds per step, m of each:

    (c, real x)              -> 1
    (c, G(c, z))             -> 0
    (c~, real x), c~ != c    -> 0   (a real image with a condition that does not match it)

With the split design the realism head learns real vs generated and the match head learns
matched vs mismatched; the generator must fool both.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ganzoo.contracts import AdversarialLoss
from ganzoo.nn.matching import MatchingDiscriminator


def discriminator_loss(
    D: MatchingDiscriminator | torch.nn.Module,
    loss: AdversarialLoss,
    real: Tensor,
    fake: Tensor,
    condition: Tensor,
    wrong: Tensor | None,
    design: str,
) -> Tensor:
    """`wrong=None` drops the mismatched negatives (the ablation the StackGAN issue measures)."""
    real_score, real_match = D(real, condition)
    fake_score, _ = D(fake, condition)
    if design == "joint":
        if wrong is None:
            return loss.discriminator(real_score, fake_score)
        wrong_score, _ = D(real, wrong)
        return loss.discriminator(real_score, torch.cat([fake_score, wrong_score]))
    realism = loss.discriminator(real_score, fake_score)
    if wrong is None:
        return realism
    _, wrong_match = D(real, wrong)
    return realism + loss.discriminator(real_match, wrong_match)


def generator_loss(
    D: torch.nn.Module, loss: AdversarialLoss, fake: Tensor, condition: Tensor, design: str
) -> Tensor:
    score, match = D(fake, condition)
    if design == "joint":
        return loss.generator(score)
    return loss.generator(score) + loss.generator(match)


def mismatched_labels(labels: Tensor, num_classes: int, offsets: Tensor) -> Tensor:
    """A different class for every sample: shift by 1..K-1 (given as `offsets`), modulo K."""
    return (labels + 1 + offsets % (num_classes - 1)) % num_classes


def closest_mismatches(attributes: Tensor, tie_break: Tensor) -> Tensor:
    """For each sample, another sample of the batch whose attributes (N×A) differ from its own in
    the fewest places, at least one: its caption is the hardest wrong one. With any other caption
    the easiest attribute (position, in shapes-captions) tells most pairs apart; a caption wrong
    in the shape alone makes D read the shape. `tie_break` (N×N, in [0, 1)) chooses among equally
    close ones. A sample with no differing partner gets its neighbour's, as with random pairs."""
    differences = (attributes[:, None, :] != attributes[None, :, :]).sum(2).to(tie_break.dtype)
    differences = differences.masked_fill(differences == 0, math.inf) + tie_break
    closest = differences.argmin(1)
    neighbour = torch.arange(len(attributes), device=attributes.device).roll(1)
    return torch.where(differences.min(1).values.isinf(), neighbour, closest)
