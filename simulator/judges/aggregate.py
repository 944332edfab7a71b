"""Combining a panel's judgments: per-metric median, mean, range and the needs_review flag."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from simulator.store.statuses import JudgmentStatus

REVIEW_RANGE = 0.5  # judges further apart than this on a metric: a human should look


@dataclass(frozen=True)
class JudgeResult:
    """One judge's judgment of one session: ok with scores, or unscorable with a reason."""

    judge_model: str
    judge_index: int
    status: JudgmentStatus
    reason: str | None = None
    scores: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    failure_modes: Mapping[str, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # callers may pass the stored text ("ok"); the result always holds the member
        object.__setattr__(self, "status", JudgmentStatus(self.status))

    @property
    def ok(self) -> bool:
        return self.status == JudgmentStatus.OK


def aggregate_scores(
    results: Sequence[JudgeResult], metrics: Iterable[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Per metric: median, mean, range, n scored, unscorable judges, needs_review."""
    if metrics is None:
        metrics = dict.fromkeys(m for r in results for m in r.scores)
    table = {}
    for metric in metrics:
        values = [
            float(r.scores[metric]["score"])
            for r in results
            if r.ok and r.scores.get(metric, {}).get("score") is not None
        ]
        unscorable = len(results) - len(values)
        if not values:
            table[metric] = {
                "median": None,
                "mean": None,
                "range": None,
                "n": 0,
                "unscorable": unscorable,
                "needs_review": True,
            }
            continue
        spread = max(values) - min(values)
        table[metric] = {
            "median": round(statistics.median(values), 4),
            "mean": round(statistics.fmean(values), 4),
            "range": round(spread, 4),
            "n": len(values),
            "unscorable": unscorable,
            "needs_review": spread > REVIEW_RANGE,
        }
    return table


def panel_failure_modes(results: Sequence[JudgeResult]) -> dict[str, list[int]]:
    """Labels more than half of the scorable judges report, with the turns they gave."""
    scorable = [r for r in results if r.ok]
    votes: dict[str, list[Mapping[str, list[int]]]] = {}
    for result in scorable:
        for label in result.failure_modes:
            votes.setdefault(label, []).append(result.failure_modes)
    return {
        label: sorted({t for modes in voters for t in modes[label]})
        for label, voters in sorted(votes.items())
        if 2 * len(voters) > len(scorable)
    }
