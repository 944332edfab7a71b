"""The numbers of the sweep screen: pace, ETA, the therapist x severity table, demographic gaps.

The statistics proper (tests, corrections, intervals) come from `simulator.analysis`; this
module only shapes stored rows for it and picks what fits on a screen.
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
    if metric == ALL_METRICS:
        values = [v for v in session.scores.values() if v is not None]
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


def varied_attributes(sessions: Iterable[SweepSession]) -> list[str]:
    """Twin attributes that take more than one value among the sessions."""
    from personas import TWIN_FIELDS

    seen: dict[str, set[str]] = {}
    for session in sessions:
        for attribute in TWIN_FIELDS:
            value = session.demographics.get(attribute)
            if value is not None:
                seen.setdefault(attribute, set()).add(str(value))
    return [a for a in TWIN_FIELDS if len(seen.get(a, ())) > 1]


def largest_gaps(
    sessions: Sequence[SweepSession], limit: int = 5, threshold: float = 0.1
) -> list[Gap]:
    """The largest demographic score gaps (per therapist, attribute and metric) found so far."""
    from simulator.analysis import AnalysisError, demographic_robustness

    attributes = varied_attributes(sessions)
    metrics = metrics_of(sessions)
    if not attributes or not metrics:
        return []
    rows = [
        {
            "session_id": s.session_id,
            "therapist": s.therapist,
            "severity": s.severity,
            "persona_id": s.persona_id,
            "twin_group": s.twin_group,
            "demographics": {k: str(v) for k, v in s.demographics.items() if v is not None},
            "scores": s.scores,
        }
        for s in sessions
    ]
    try:
        result = demographic_robustness(
            rows, attributes, metrics, threshold=threshold, n_perm=199, n_boot=199
        )
    except AnalysisError:
        return []
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
        for group in result.therapists
        for test in group.tests
        if test.gap is not None
    ]
    return sorted(gaps, key=lambda g: -g.gap)[:limit]
