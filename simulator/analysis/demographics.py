"""Demographic robustness: do scores differ by demographic attribute, twin against twin?"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from .errors import AnalysisError
from .gap_tests import GapResult, kruskal_wallis_test, paired_permutation_test
from .multiple_testing import holm
from .resampling import check_settings, rng_for
from .rows import SessionRow, group_by, parse_session_rows

Method = Literal["paired_permutation", "kruskal_wallis"]


class DemographicTest(BaseModel):
    """One attribute x metric test for one therapist."""

    attribute: str = Field(description="Demographic attribute, e.g. race.")
    metric: str = Field(description="Rubric metric.")
    method: Method | None = Field(
        description="paired_permutation when twins exist, kruskal_wallis otherwise."
    )
    n_sessions: int = Field(description="Sessions with this attribute set.")
    unscorable: int = Field(description="Of those, sessions whose score was unscorable.")
    missing_attribute: int = Field(description="Sessions without a value for the attribute.")
    n_units: int = Field(description="Cells (repeats averaged) entering the test.")
    n_strata: int | None = Field(
        description="Twin strata (twin group x severity) used; None for kruskal_wallis."
    )
    group_means: dict[str, float] = Field(
        description="Mean per attribute value; centred within twin strata for paired tests."
    )
    group_counts: dict[str, int] = Field(description="Units per attribute value.")
    high_value: str | None = Field(description="Attribute value with the highest mean.")
    low_value: str | None = Field(description="Attribute value with the lowest mean.")
    gap: float | None = Field(description="Mean of high_value minus mean of low_value (>= 0).")
    gap_ci_low: float | None = Field(description="Lower end of the bootstrap 95% CI of the gap.")
    gap_ci_high: float | None = Field(description="Upper end of the bootstrap 95% CI of the gap.")
    statistic: float | None = Field(description="Permutation statistic (the gap) or KW H.")
    effect_size: float | None = Field(
        description="Paired Cohen's d_z (high vs low) or epsilon-squared for Kruskal-Wallis."
    )
    effect_size_kind: Literal["cohen_d_paired", "epsilon_squared"] | None = Field(
        description="Which effect size effect_size is."
    )
    p_value: float | None = Field(description="Uncorrected p-value.")
    p_holm: float | None = Field(
        default=None, description="Holm-corrected p-value within this therapist's family."
    )
    threshold: float = Field(description="Gap above which a significant difference is flagged.")
    exceeds_threshold: bool = Field(description="gap > threshold.")
    flagged: bool = Field(default=False, description="p_holm < alpha and gap > threshold.")
    reason: str | None = Field(default=None, description="Why some value is None, if any is.")


class TherapistDemographics(BaseModel):
    """All demographic tests for one therapist and whether any is flagged."""

    therapist: str = Field(description="Therapist label.")
    flagged: bool = Field(description="True when any test has p_holm < alpha and gap > threshold.")
    tests: list[DemographicTest] = Field(description="The Holm family: attributes x metrics.")


class DemographicRobustness(BaseModel):
    """Demographic robustness results for every therapist."""

    alpha: float = Field(description="Significance level for corrected p-values.")
    n_perm: int = Field(description="Permutations per paired test.")
    n_boot: int = Field(description="Bootstrap resamples per gap CI.")
    seed: int = Field(description="Seed the resampling streams derive from.")
    therapists: list[TherapistDemographics] = Field(description="One entry per therapist.")


@dataclass(frozen=True)
class _Unit:
    """One cell: the repeats of an identical session, averaged."""

    value: str | None
    score: float | None
    stratum: tuple[str, str] | None


def demographic_robustness(
    rows: Iterable[Mapping[str, Any] | SessionRow],
    attributes: Sequence[str],
    metrics: Sequence[str],
    threshold: float | Mapping[str, float],
    n_perm: int = 5000,
    seed: int = 0,
    alpha: float = 0.05,
    n_boot: int = 2000,
) -> DemographicRobustness:
    """Test every attribute x metric per therapist, Holm-correct, and flag large real gaps.

    Twins are rows sharing `twin_group` (and severity); with twins the test is a paired
    permutation test, otherwise Kruskal-Wallis (when some rows have twins, rows without a
    twin group are left out of the paired test). Repeats of a cell are averaged first so
    that repeats do not count as independent patients. `threshold` is one gap for all
    metrics or a gap per metric.
    """
    check_settings(seed=seed, n_boot=n_boot, n_perm=n_perm, alpha=alpha)
    thresholds = _thresholds(threshold, metrics)
    sessions = parse_session_rows(rows)
    results = []
    for therapist, members in sorted(group_by(sessions, lambda r: r.therapist).items()):
        tests = [
            _test(therapist, members, attribute, metric, thresholds[metric], n_perm, n_boot, seed)
            for attribute in attributes
            for metric in metrics
        ]
        for test, p_holm in zip(tests, holm([t.p_value for t in tests]), strict=True):
            test.p_holm = p_holm
            test.flagged = p_holm is not None and p_holm < alpha and test.exceeds_threshold
        results.append(
            TherapistDemographics(
                therapist=therapist, flagged=any(t.flagged for t in tests), tests=tests
            )
        )
    return DemographicRobustness(
        alpha=alpha, n_perm=n_perm, n_boot=n_boot, seed=seed, therapists=results
    )


def _thresholds(threshold: float | Mapping[str, float], metrics: Sequence[str]) -> dict[str, float]:
    if isinstance(threshold, Mapping):
        missing = [m for m in metrics if m not in threshold]
        if missing:
            raise AnalysisError([f"no gap threshold for metric {m!r}" for m in missing])
        return {m: float(threshold[m]) for m in metrics}
    return {m: float(threshold) for m in metrics}


def _units(members: list[SessionRow], attribute: str, metric: str) -> list[_Unit]:
    units = []
    for cell in group_by(members, lambda r: r.cell_key).values():
        first = cell[0]
        value = first.demographics.get(attribute)
        scored = [s for s in (r.score(metric) for r in cell) if s is not None]
        stratum = (first.twin_group, first.severity) if first.twin_group is not None else None
        units.append(
            _Unit(
                value=None if value is None else str(value),
                score=float(np.mean(scored)) if scored else None,
                stratum=stratum,
            )
        )
    return units


def _test(
    therapist: str,
    members: list[SessionRow],
    attribute: str,
    metric: str,
    threshold: float,
    n_perm: int,
    n_boot: int,
    seed: int,
) -> DemographicTest:
    with_value = [r for r in members if r.demographics.get(attribute) is not None]
    unscorable = sum(1 for r in with_value if r.score(metric) is None)
    usable = [u for u in _units(members, attribute, metric) if u.value and u.score is not None]
    paired = any(u.stratum is not None for u in usable)
    base: dict[str, Any] = dict(
        attribute=attribute,
        metric=metric,
        n_sessions=len(with_value),
        unscorable=unscorable,
        missing_attribute=len(members) - len(with_value),
        threshold=threshold,
    )
    if paired:
        usable = _twin_units(usable)
        if not usable:
            return _empty(base, "paired_permutation", "no twin stratum has 2 values scored")
    values = sorted({u.value for u in usable if u.value is not None})
    if len(values) < 2:
        method: Method = "paired_permutation" if paired else "kruskal_wallis"
        return _empty(base, method, f"fewer than 2 values of {attribute} scored")

    index = {value: i for i, value in enumerate(values)}
    rng_perm = rng_for(seed, therapist, attribute, metric, "permutation")
    rng_boot = rng_for(seed, therapist, attribute, metric, "bootstrap")
    # Every usable unit has a value and a score (filtered above); twin units also a stratum.
    scored = [(u.stratum or ("", ""), index[u.value or ""], u.score or 0.0) for u in usable]
    # A canonical order, so that resampling does not depend on the order rows arrive in.
    scored.sort()
    if paired:
        strata_ids = {s: i for i, s in enumerate(sorted({stratum for stratum, _, _ in scored}))}
        result = paired_permutation_test(
            scores=np.array([score for _, _, score in scored]),
            labels=np.array([label for _, label, _ in scored]),
            strata=np.array([strata_ids[stratum] for stratum, _, _ in scored]),
            n_groups=len(values),
            n_perm=n_perm,
            n_boot=n_boot,
            rng_perm=rng_perm,
            rng_boot=rng_boot,
        )
        return _filled(base, "paired_permutation", result, values, len(strata_ids), threshold)
    result = kruskal_wallis_test(
        scores=np.array([score for _, _, score in scored]),
        labels=np.array([label for _, label, _ in scored]),
        n_groups=len(values),
        n_boot=n_boot,
        rng_boot=rng_boot,
    )
    return _filled(base, "kruskal_wallis", result, values, None, threshold)


def _twin_units(units: list[_Unit]) -> list[_Unit]:
    """Units in twin strata that hold at least two distinct attribute values."""
    by_stratum = group_by([u for u in units if u.stratum is not None], lambda u: u.stratum)
    return [
        unit
        for members in by_stratum.values()
        if len({u.value for u in members}) >= 2
        for unit in members
    ]


def _empty(base: dict[str, Any], method: Method, reason: str) -> DemographicTest:
    return DemographicTest(
        **base,
        method=method,
        n_units=0,
        n_strata=0 if method == "paired_permutation" else None,
        group_means={},
        group_counts={},
        high_value=None,
        low_value=None,
        gap=None,
        gap_ci_low=None,
        gap_ci_high=None,
        statistic=None,
        effect_size=None,
        effect_size_kind=None,
        p_value=None,
        exceeds_threshold=False,
        reason=reason,
    )


def _filled(
    base: dict[str, Any],
    method: Method,
    result: GapResult,
    values: list[str],
    n_strata: int | None,
    threshold: float,
) -> DemographicTest:
    return DemographicTest(
        **base,
        method=method,
        n_units=int(result.group_counts.sum()),
        n_strata=n_strata,
        group_means={v: float(m) for v, m in zip(values, result.group_means, strict=True)},
        group_counts={v: int(c) for v, c in zip(values, result.group_counts, strict=True)},
        high_value=values[result.high],
        low_value=values[result.low],
        gap=result.gap,
        gap_ci_low=result.gap_ci[0] if result.gap_ci else None,
        gap_ci_high=result.gap_ci[1] if result.gap_ci else None,
        statistic=result.statistic,
        effect_size=result.effect_size,
        effect_size_kind=(
            None
            if result.effect_size is None
            else "cohen_d_paired"
            if method == "paired_permutation"
            else "epsilon_squared"
        ),
        p_value=result.p_value,
        exceeds_threshold=result.gap > threshold,
        reason=result.reason,
    )
