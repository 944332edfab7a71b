"""Judge agreement: Krippendorff's alpha per metric, pairwise bias, unscorable counts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations
from typing import Any

import krippendorff
import numpy as np
from pydantic import BaseModel, Field

from .rows import JudgeRow, group_by, parse_judge_rows


class JudgeCounts(BaseModel):
    """How many sessions one judge scored for one metric."""

    judge: str = Field(description="Judge label.")
    scored: int = Field(description="Sessions with a score from this judge.")
    unscorable: int = Field(description="Sessions this judge marked unscorable.")


class JudgeBias(BaseModel):
    """Mean score difference of two judges over the sessions both scored."""

    judge_a: str = Field(description="First judge.")
    judge_b: str = Field(description="Second judge.")
    n: int = Field(description="Sessions both judges scored.")
    mean_difference: float | None = Field(description="Mean of (judge_a - judge_b).")
    reason: str | None = Field(default=None, description="Why mean_difference is None.")


class MetricAgreement(BaseModel):
    """Agreement among the judges on one metric."""

    metric: str = Field(description="Rubric metric.")
    judges: list[str] = Field(description="Judges that rated this metric, sorted.")
    n_sessions: int = Field(description="Sessions at least one judge rated (scorable or not).")
    pairable_sessions: int = Field(description="Sessions with scores from 2 or more judges.")
    unscorable: int = Field(description="Judge ratings marked unscorable, over all judges.")
    alpha: float | None = Field(description="Krippendorff's alpha, interval level.")
    reason: str | None = Field(default=None, description="Why alpha is None, if it is.")
    per_judge: list[JudgeCounts] = Field(description="Scored and unscorable counts per judge.")
    pairwise: list[JudgeBias] = Field(description="Bias for every pair of judges.")


class JudgeAgreementTable(BaseModel):
    """Judge agreement for every requested metric."""

    metrics: list[MetricAgreement] = Field(description="One entry per metric.")


def judge_agreement(
    judge_rows: Iterable[Mapping[str, Any] | JudgeRow], metrics: Sequence[str]
) -> JudgeAgreementTable:
    """Per metric: interval Krippendorff's alpha (sessions = units, judges = coders),
    pairwise judge bias and unscorable counts. Duplicate ratings are averaged."""
    by_metric = group_by(parse_judge_rows(judge_rows), lambda r: r.metric)
    return JudgeAgreementTable(metrics=[_metric(m, by_metric.get(m, [])) for m in metrics])


def _metric(metric: str, rows: list[JudgeRow]) -> MetricAgreement:
    judges = sorted({r.judge for r in rows})
    sessions = sorted({r.session_id for r in rows})
    judge_index = {j: i for i, j in enumerate(judges)}
    session_index = {s: i for i, s in enumerate(sessions)}
    sums = np.zeros((len(judges), len(sessions)))
    counts = np.zeros((len(judges), len(sessions)))
    per_judge_unscorable = dict.fromkeys(judges, 0)
    for row in rows:
        if row.score is None or not np.isfinite(row.score):
            per_judge_unscorable[row.judge] += 1
            continue
        sums[judge_index[row.judge], session_index[row.session_id]] += row.score
        counts[judge_index[row.judge], session_index[row.session_id]] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        data = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)

    pairable = int(np.sum(np.sum(~np.isnan(data), axis=0) >= 2))
    alpha, reason = _alpha(data, len(judges), pairable)
    return MetricAgreement(
        metric=metric,
        judges=judges,
        n_sessions=len(sessions),
        pairable_sessions=pairable,
        unscorable=sum(per_judge_unscorable.values()),
        alpha=alpha,
        reason=reason,
        per_judge=[
            JudgeCounts(
                judge=j,
                scored=int(np.sum(~np.isnan(data[judge_index[j]]))),
                unscorable=per_judge_unscorable[j],
            )
            for j in judges
        ],
        pairwise=[
            _bias(a, b, data[judge_index[a]], data[judge_index[b]])
            for a, b in combinations(judges, 2)
        ],
    )


def _alpha(data: np.ndarray, n_judges: int, pairable: int) -> tuple[float | None, str | None]:
    if n_judges < 2:
        return None, "alpha needs 2 or more judges"
    if pairable == 0:
        return None, "alpha needs a session scored by 2 or more judges"
    paired_values = data[:, np.sum(~np.isnan(data), axis=0) >= 2]
    finite = paired_values[~np.isnan(paired_values)]
    if np.ptp(finite) == 0.0:
        return None, "alpha undefined: every pairable score is the same"
    try:
        value = float(krippendorff.alpha(reliability_data=data, level_of_measurement="interval"))
    except ValueError as error:
        return None, f"alpha undefined: {error}"
    if not np.isfinite(value):
        return None, "alpha undefined for these scores"
    return value, None


def _bias(judge_a: str, judge_b: str, a: np.ndarray, b: np.ndarray) -> JudgeBias:
    both = ~np.isnan(a) & ~np.isnan(b)
    n = int(both.sum())
    if n == 0:
        return JudgeBias(
            judge_a=judge_a,
            judge_b=judge_b,
            n=0,
            mean_difference=None,
            reason="no session scored by both",
        )
    return JudgeBias(
        judge_a=judge_a, judge_b=judge_b, n=n, mean_difference=float(np.mean(a[both] - b[both]))
    )
