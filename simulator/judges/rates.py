"""Turn-level agreement between what was found and what was planted or labelled: the one
place precision, recall (sensitivity), specificity and F1 are computed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def confusion(
    predicted: Sequence[set[int]], planted: Sequence[set[int]], units: Sequence[set[int]]
) -> dict[str, Any]:
    """Counts and rates over several sessions (one set of turns per session). A rate whose
    denominator is 0 is None (not measurable), never 0 or 1."""
    tp = fp = fn = tn = 0
    for said, truth, candidates in zip(predicted, planted, units, strict=True):
        said, truth = said & candidates, truth & candidates
        tp += len(said & truth)
        fp += len(said - truth)
        fn += len(truth - said)
        tn += len(candidates - said - truth)
    precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "sensitivity": recall,
        "specificity": ratio(tn, tn + fp),
        "precision": precision,
        "recall": recall,
        "f1": ratio(2 * tp, 2 * tp + fp + fn),
    }


def ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None
