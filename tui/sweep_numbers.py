"""The numbers of the sweep screen: pace, ETA, the therapist x severity table, demographic gaps.

The statistics proper (tests, corrections, intervals) come from `simulator.analysis` and, for
the demographic gaps, from the very function the report uses (`simulator.report.run_gaps`);
this module only shapes them and picks what fits on a screen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tui.rows import SweepSession

ALL_METRICS = "all metrics"
# Keys a sweep may record its planned session count under in runs.spec_json.
TOTAL_KEYS = ("total_sessions", "n_sessions", "planned_sessions", "total")


def planned_total(spec: Mapping[str, Any] | None) -> int | None:
    """How many sessions the sweep plans, when its stored spec says so."""
    for key in TOTAL_KEYS:
        value = (spec or {}).get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None


def parse_time(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp)
    except ValueError:
        return None


def pace(
    finished: int, remaining: int | None, started: datetime | None, until: datetime | None
) -> tuple[float | None, float | None]:
    """Sessions finished per minute, and seconds left at that pace (None when unknown)."""
    if started is None or until is None or finished <= 0:
        return None, None
    minutes = (until - started).total_seconds() / 60
    if minutes <= 0:
        return None, None
    per_minute = finished / minutes
    eta = None if remaining is None else max(remaining, 0) / per_minute * 60
    return per_minute, eta


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


@dataclass(frozen=True)
class ScoreTable:
    """Mean score per therapist (rows) and severity (columns), with the session counts."""

    metric: str
    therapists: list[str]
    severities: list[str]
    cells: dict[tuple[str, str], tuple[float | None, int]]


def metrics_of(sessions: Iterable[SweepSession]) -> list[str]:
    return sorted({metric for s in sessions for metric in s.scores})


def _session_value(session: SweepSession, metric: str) -> float | None:
    """One metric's score, or for ALL_METRICS the mean of the judges' metrics (a screen-only
    summary; the state-based metrics stay out of it and can be chosen one by one)."""
    if metric == ALL_METRICS:
        from simulator.report import STATE_METRICS

        values = [v for m, v in session.scores.items() if v is not None and m not in STATE_METRICS]
        return sum(values) / len(values) if values else None
    return session.scores.get(metric)


def score_table(sessions: Sequence[SweepSession], metric: str = ALL_METRICS) -> ScoreTable:
    from simulator.analysis import SEVERITY_ORDER

    def severity_key(severity: str) -> tuple[int, str]:
        order = (
            SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else len(SEVERITY_ORDER)
        )
        return order, severity

    therapists = sorted({s.therapist for s in sessions})
    severities = sorted({s.severity for s in sessions}, key=severity_key)
    cells: dict[tuple[str, str], tuple[float | None, int]] = {}
    for therapist in therapists:
        for severity in severities:
            values = [
                value
                for s in sessions
                if s.therapist == therapist
                and s.severity == severity
                and (value := _session_value(s, metric)) is not None
            ]
            cells[(therapist, severity)] = (
                sum(values) / len(values) if values else None,
                len(values),
            )
    return ScoreTable(metric, therapists, severities, cells)


@dataclass(frozen=True)
class Gap:
    therapist: str
    attribute: str
    metric: str
    gap: float
    high_value: str
    low_value: str
    p_holm: float | None
    flagged: bool


def largest_gaps(robustness: Any, limit: int = 5) -> list[Gap]:
    """The largest demographic gaps of a run's gap tests (`simulator.report.run_gaps`, the
    tests the report shows), largest first."""
    gaps = [
        Gap(
            group.therapist,
            test.attribute,
            test.metric,
            test.gap,
            test.high_value or "",
            test.low_value or "",
            test.p_holm,
            bool(test.flagged),
        )
        for group in robustness.therapists
        for test in group.tests
        if test.gap is not None
    ]
    return sorted(gaps, key=lambda g: -g.gap)[:limit]
