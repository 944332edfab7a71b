"""Behavioural consistency across the k repeats of identical sessions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from math import comb
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from .errors import AnalysisError
from .rows import SessionRow, group_by, parse_session_rows


class ConsistencyRow(BaseModel):
    """Repeat-to-repeat consistency of one metric for one therapist."""

    therapist: str = Field(description="Therapist label.")
    metric: str = Field(description="Rubric metric.")
    n_cells: int = Field(description="Distinct cells (identical-session keys).")
    n_sessions: int = Field(description="Sessions (repeats) across those cells.")
    unscorable: int = Field(description="Sessions whose score was unscorable.")
    sd: float | None = Field(
        description="Pooled within-cell standard deviation across repeats (ddof=1)."
    )
    icc: float | None = Field(
        description="ICC(1), one-way random effects, from ANOVA mean squares over cells."
    )
    k: int = Field(description="Repeats pass^k asks to pass together.")
    threshold: float | None = Field(description="Score a repeat needs to pass.")
    pass_k: float | None = Field(
        description="Share of cells whose k repeats all pass (unbiased C(c,k)/C(n,k) estimate)."
    )
    pass_k_cells: int = Field(description="Cells that entered pass^k.")
    cells_with_unscorable: int = Field(
        description="Cells left out of pass^k because a repeat was unscorable."
    )
    cells_too_few_repeats: int = Field(
        description="Cells left out of pass^k: fewer than k repeats."
    )
    reason: str | None = Field(default=None, description="Why some value is None, if any is.")


class ConsistencyTable(BaseModel):
    """Consistency per therapist and metric."""

    rows: list[ConsistencyRow] = Field(description="One entry per therapist x metric.")


def icc1(groups: Sequence[Sequence[float]]) -> tuple[float | None, str | None]:
    """ICC(1) = (MSB - MSW) / (MSB + (k0 - 1) MSW), k0 the unbalanced-design group size.

    Returns (None, reason) when undefined: fewer than 2 groups, no within-group degrees of
    freedom, or no variance at all.
    """
    arrays = [np.asarray(g, dtype=float) for g in groups if len(g) > 0]
    n_groups = len(arrays)
    sizes = np.array([a.size for a in arrays], dtype=float)
    total = float(sizes.sum())
    if n_groups < 2:
        return None, "ICC needs 2 or more cells with scores"
    if total - n_groups < 1:
        return None, "ICC needs a cell with 2 or more scored repeats"
    grand = float(np.concatenate(arrays).mean())
    means = np.array([a.mean() for a in arrays])
    ms_between = float(np.sum(sizes * (means - grand) ** 2)) / (n_groups - 1)
    ms_within = float(sum(np.sum((a - a.mean()) ** 2) for a in arrays)) / (total - n_groups)
    k0 = (total - float(np.sum(sizes**2)) / total) / (n_groups - 1)
    denominator = ms_between + (k0 - 1.0) * ms_within
    if denominator <= 1e-12 * max(1.0, ms_between, ms_within):
        return None, "ICC undefined: scores have no variance"
    return (ms_between - ms_within) / denominator, None


def pooled_sd(groups: Sequence[Sequence[float]]) -> float | None:
    """sqrt of the within-group variances pooled by degrees of freedom; None without repeats."""
    arrays = [np.asarray(g, dtype=float) for g in groups if len(g) >= 2]
    dof = sum(a.size - 1 for a in arrays)
    if dof == 0:
        return None
    return float(np.sqrt(sum(np.sum((a - a.mean()) ** 2) for a in arrays) / dof))


def consistency(
    rows: Iterable[Mapping[str, Any] | SessionRow],
    metrics: Sequence[str],
    thresholds: Mapping[str, float],
    k: int | None = None,
) -> ConsistencyTable:
    """Per therapist x metric: SD across repeats, ICC(1) and pass^k.

    k defaults to the largest number of repeats any cell of that therapist has.
    """
    if k is not None and k < 1:
        raise AnalysisError(f"pass^k needs k >= 1, got {k}")
    sessions = parse_session_rows(rows)
    table = []
    for therapist, members in sorted(group_by(sessions, lambda r: r.therapist).items()):
        cells = list(group_by(members, lambda r: r.cell_key).values())
        for metric in metrics:
            table.append(_row(therapist, metric, cells, thresholds.get(metric), k))
    return ConsistencyTable(rows=table)


def _row(
    therapist: str,
    metric: str,
    cells: list[list[SessionRow]],
    threshold: float | None,
    k: int | None,
) -> ConsistencyRow:
    scores = [[r.score(metric) for r in cell] for cell in cells]
    scored = [[s for s in cell if s is not None] for cell in scores]
    reasons: list[str] = []
    sd = pooled_sd(scored)
    if sd is None:
        reasons.append("SD needs a cell with 2 or more scored repeats")
    icc, icc_reason = icc1(scored)
    if icc_reason:
        reasons.append(icc_reason)

    k_used = k if k is not None else max(len(cell) for cell in cells)
    complete = [cell for cell in scores if all(s is not None for s in cell)]
    long_enough = [cell for cell in complete if len(cell) >= k_used]
    pass_k = None
    if threshold is None:
        reasons.append(f"no pass threshold for {metric}")
    elif not long_enough:
        reasons.append(f"pass^k needs a fully scored cell with {k_used} or more repeats")
    else:
        estimates = [
            comb(sum(1 for s in cell if s is not None and s >= threshold), k_used)
            / comb(len(cell), k_used)
            for cell in long_enough
        ]
        pass_k = float(np.mean(estimates))
    return ConsistencyRow(
        therapist=therapist,
        metric=metric,
        n_cells=len(cells),
        n_sessions=sum(len(cell) for cell in cells),
        unscorable=sum(len(cell) - len(kept) for cell, kept in zip(scores, scored, strict=True)),
        sd=sd,
        icc=icc,
        k=k_used,
        threshold=threshold,
        pass_k=pass_k,
        pass_k_cells=len(long_enough) if threshold is not None else 0,
        cells_with_unscorable=len(scores) - len(complete),
        cells_too_few_repeats=len(complete) - len(long_enough),
        reason="; ".join(reasons) or None,
    )
