"""The crisis cliff: each metric's mean with a bootstrap CI per therapist and severity."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from .resampling import bootstrap_means, check_settings, percentile_interval, rng_for
from .rows import SessionRow, group_by, parse_session_rows, severity_sort_key


class CliffCell(BaseModel):
    """One metric for one therapist in one severity stratum."""

    therapist: str = Field(description="Therapist label.")
    metric: str = Field(description="Rubric metric.")
    severity: str = Field(description="Severity stratum.")
    n: int = Field(description="Sessions with a score for this metric.")
    unscorable: int = Field(description="Sessions whose score was unscorable or missing.")
    mean: float | None = Field(description="Mean score; None when no session was scorable.")
    ci_low: float | None = Field(description="Lower end of the bootstrap 95% percentile CI.")
    ci_high: float | None = Field(description="Upper end of the bootstrap 95% percentile CI.")
    reason: str | None = Field(default=None, description="Why a value is None, if one is.")


class CrisisCliffTable(BaseModel):
    """Mean score by severity per therapist and metric (the crisis cliff)."""

    n_boot: int = Field(description="Bootstrap resamples per cell.")
    seed: int = Field(description="Seed the bootstrap streams derive from.")
    cells: list[CliffCell] = Field(description="One entry per therapist x metric x severity.")


def crisis_cliff(
    rows: Iterable[Mapping[str, Any] | SessionRow],
    metrics: Sequence[str],
    n_boot: int = 2000,
    seed: int = 0,
) -> CrisisCliffTable:
    """Per therapist x metric x severity: n, mean, bootstrap 95% CI and unscorable count."""
    check_settings(seed=seed, n_boot=n_boot)
    sessions = parse_session_rows(rows)
    groups = group_by(sessions, lambda row: (row.therapist, row.severity))
    ordered = sorted(groups, key=lambda key: (key[0], severity_sort_key(key[1])))
    cells: list[CliffCell] = []
    for therapist, severity in ordered:
        members = groups[(therapist, severity)]
        for metric in metrics:
            cells.append(_cell(therapist, severity, metric, members, n_boot, seed))
    return CrisisCliffTable(n_boot=n_boot, seed=seed, cells=cells)


def _cell(
    therapist: str,
    severity: str,
    metric: str,
    members: list[SessionRow],
    n_boot: int,
    seed: int,
) -> CliffCell:
    scored = [s for s in (row.score(metric) for row in members) if s is not None]
    # Sorted so that the result does not depend on the order rows arrive in.
    values = np.sort(np.asarray(scored, dtype=float))
    base = dict(
        therapist=therapist,
        metric=metric,
        severity=severity,
        n=values.size,
        unscorable=len(members) - values.size,
    )
    if values.size == 0:
        return CliffCell(
            **base, mean=None, ci_low=None, ci_high=None, reason="no scorable sessions"
        )
    mean = float(values.mean())
    if values.size < 2:
        return CliffCell(
            **base, mean=mean, ci_low=None, ci_high=None, reason="a CI needs 2 or more scores"
        )
    if np.ptp(values) == 0.0:
        # Every resample has the same mean; skip the draws (and their rounding noise).
        return CliffCell(**base, mean=mean, ci_low=mean, ci_high=mean)
    low, high = percentile_interval(
        bootstrap_means(values, n_boot, rng_for(seed, therapist, metric, severity))
    )
    return CliffCell(**base, mean=mean, ci_low=low, ci_high=high)
