"""Failure-mode rates: share of therapist turns each detector flagged."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, Field

from .rows import SessionRow, group_by, parse_session_rows, severity_sort_key

ALL_SEVERITIES = "all"


class FailureModeRow(BaseModel):
    """Detector hit rates for one therapist in one severity stratum (or `all`)."""

    therapist: str = Field(description="Therapist label.")
    severity: str = Field(description="Severity stratum, or `all` for the therapist overall.")
    sessions: int = Field(description="Sessions in the stratum.")
    turns: int = Field(description="Therapist turns across those sessions.")
    unscorable: int = Field(description="Sessions with no therapist turn (nothing to detect).")
    counts: dict[str, int] = Field(description="Detector label -> turns it flagged.")
    rates: dict[str, float | None] = Field(
        description="Detector label -> flagged turns / turns; None when there were no turns."
    )
    reason: str | None = Field(default=None, description="Why rates are None, if they are.")


class FailureModeTable(BaseModel):
    """Failure-mode rates per therapist and severity, plus an `all` row per therapist."""

    labels: list[str] = Field(description="Every detector label seen, sorted.")
    rows: list[FailureModeRow] = Field(description="One entry per therapist x severity.")


def failure_mode_rates(rows: Iterable[Mapping[str, Any] | SessionRow]) -> FailureModeTable:
    """Per therapist x severity (and overall): share of therapist turns with each label.

    Every label seen anywhere appears in every row, so absent failure modes read as 0.
    """
    sessions = parse_session_rows(rows)
    labels = sorted({label for r in sessions for label in r.detector_counts})
    table = []
    for therapist, members in sorted(group_by(sessions, lambda r: r.therapist).items()):
        strata = group_by(members, lambda r: r.severity)
        for severity in sorted(strata, key=severity_sort_key):
            table.append(_row(therapist, severity, strata[severity], labels))
        table.append(_row(therapist, ALL_SEVERITIES, members, labels))
    return FailureModeTable(labels=labels, rows=table)


def _row(
    therapist: str, severity: str, members: list[SessionRow], labels: list[str]
) -> FailureModeRow:
    turns = sum(r.therapist_turns for r in members)
    counts = {label: sum(r.detector_counts.get(label, 0) for r in members) for label in labels}
    rates = {label: (count / turns if turns else None) for label, count in counts.items()}
    return FailureModeRow(
        therapist=therapist,
        severity=severity,
        sessions=len(members),
        turns=turns,
        unscorable=sum(1 for r in members if r.therapist_turns == 0),
        counts=counts,
        rates=rates,
        reason=None if turns else "no therapist turns",
    )
