"""BLEU against held-out references (fidelity) and self-BLEU (diversity: lower is more
diverse) of token sequences, as text-GAN papers report them (Texygen protocol).

Sentence-level BLEU-n with uniform weights over 1..n-grams, averaged over hypotheses; a zero
n-gram match count becomes ε = 0.1 (Chen & Cherry 2014, smoothing method 1, as NLTK's
`SmoothingFunction().method1`); brevity penalty from the closest reference length. Self-BLEU
scores each sample against all the others.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from ganzoo.metrics.arrays import MetricInputError

SMOOTHING_EPSILON = 0.1
Tokens = Sequence[int]


class BLEUScores(NamedTuple):
    """Mean sentence BLEU-n for n = 2..max_n, keyed by n."""

    by_order: dict[int, float]


def _ngram_counts(tokens: Tokens, max_n: int) -> Counter:
    return Counter(
        tuple(tokens[i : i + n]) for n in range(1, max_n + 1) for i in range(len(tokens) - n + 1)
    )


def _closest_length(lengths: list[int], length: int) -> int:
    return min(lengths, key=lambda r: (abs(r - length), r))


def _sentence_bleu(
    hypothesis: Tokens, clipped_matches: list[int], reference_length: int, orders: range
) -> dict[int, float]:
    totals = [max(0, len(hypothesis) - n + 1) for n in range(1, orders.stop)]
    log_precisions = []
    for n in range(1, orders.stop):
        matches = clipped_matches[n - 1]
        numerator = matches if matches else SMOOTHING_EPSILON
        log_precisions.append(math.log(numerator / max(1, totals[n - 1])))
    length = len(hypothesis)
    if length == 0 or clipped_matches[0] == 0:
        return dict.fromkeys(orders, 0.0)  # no token in common: 0, unsmoothed (as NLTK)
    brevity = 0.0 if length > reference_length else 1 - reference_length / length
    return {n: math.exp(brevity + sum(log_precisions[:n]) / n) for n in orders}


def _mean(scores: list[dict[int, float]], orders: range) -> BLEUScores:
    return BLEUScores({n: sum(s[n] for s in scores) / len(scores) for n in orders})


def _check(name: str, sequences: Sequence[Tokens], at_least: int) -> None:
    if len(sequences) < at_least:
        raise MetricInputError(f"{name} needs at least {at_least} sequences, got {len(sequences)}")


def bleu(hypotheses: Sequence[Tokens], references: Sequence[Tokens], max_n: int = 5) -> BLEUScores:
    """Every hypothesis against the whole reference set."""
    _check("BLEU hypotheses", hypotheses, 1)
    _check("BLEU references", references, 1)
    orders = range(2, max_n + 1)
    best: dict[tuple, int] = {}
    for reference in references:
        for gram, count in _ngram_counts(reference, max_n).items():
            best[gram] = max(best.get(gram, 0), count)
    lengths = sorted({len(r) for r in references})
    scores = []
    for hypothesis in hypotheses:
        matches = [0] * max_n
        for gram, count in _ngram_counts(hypothesis, max_n).items():
            matches[len(gram) - 1] += min(count, best.get(gram, 0))
        reference_length = _closest_length(lengths, len(hypothesis))
        scores.append(_sentence_bleu(hypothesis, matches, reference_length, orders))
    return _mean(scores, orders)


def self_bleu(samples: Sequence[Tokens], max_n: int = 5) -> BLEUScores:
    """Every sample against all the other samples (leave-one-out maximum n-gram counts)."""
    _check("self-BLEU", samples, 2)
    orders = range(2, max_n + 1)
    counts = [_ngram_counts(sample, max_n) for sample in samples]
    top: dict[tuple, list[int]] = {}  # n-gram -> [highest count, its sample, second highest]
    for index, sample_counts in enumerate(counts):
        for gram, count in sample_counts.items():
            entry = top.get(gram)
            if entry is None:
                top[gram] = [count, index, 0]
            elif count > entry[0]:
                top[gram] = [count, index, entry[0]]
            elif count > entry[2]:
                entry[2] = count
    length_counts = Counter(len(s) for s in samples)
    scores = []
    for index, (sample, sample_counts) in enumerate(zip(samples, counts, strict=True)):
        matches = [0] * max_n
        for gram, count in sample_counts.items():
            highest, owner, second = top[gram]
            matches[len(gram) - 1] += min(count, second if owner == index else highest)
        others = [n for n, c in length_counts.items() if c > (n == len(sample))]
        length = _closest_length(others, len(sample))
        scores.append(_sentence_bleu(sample, matches, length, orders))
    return _mean(scores, orders)
