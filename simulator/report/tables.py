"""Every statistics table of a report, from the run's rows (see data.py) and the gates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from simulator.analysis import (
    ConsistencyTable,
    CrisisCliffTable,
    DemographicRobustness,
    DeteriorationTable,
    FailureModeTable,
    JudgeAgreementTable,
    consistency,
    crisis_cliff,
    demographic_robustness,
    deterioration_rates,
    failure_mode_rates,
    judge_agreement,
)
from simulator.report.data import DEMOGRAPHIC_FIELDS, STATE_METRICS
from simulator.report.gates import Gates

OVERALL = "all"


class Tables(BaseModel):
    """The statistics behind the five axes; every table covers every therapist."""

    metrics: list[str] = Field(description="Metrics scored in the run (judged, then state).")
    attributes: list[str] = Field(description="Demographic attributes tested.")
    crisis_cliff: CrisisCliffTable = Field(description="Mean and CI per severity stratum.")
    overall: CrisisCliffTable = Field(description="Mean and CI over all strata (severity `all`).")
    demographic_robustness: DemographicRobustness = Field(description="Twin gap tests.")
    consistency: ConsistencyTable = Field(description="SD, ICC and pass^k across repeats.")
    deterioration: DeteriorationTable = Field(description="Deterioration rates.")
    failure_modes: FailureModeTable = Field(description="Detector hit rates per turn.")
    judge_agreement: JudgeAgreementTable = Field(description="Krippendorff's alpha per metric.")


def scored_metrics(rows: Sequence[dict[str, Any]]) -> list[str]:
    seen = {m for row in rows for m, v in row["scores"].items() if v is not None}
    judged = sorted(m for m in seen if m not in STATE_METRICS)
    return judged + [m for m in STATE_METRICS if m in seen]


def varying_attributes(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Attributes that differ inside some twin set (or, without twins, across sessions)."""
    twins: dict[str, list[dict]] = {}
    for row in rows:
        if row.get("twin_group"):
            twins.setdefault(row["twin_group"], []).append(row["demographics"])
    groups = list(twins.values()) or [[row["demographics"] for row in rows]]
    return [
        field
        for field in DEMOGRAPHIC_FIELDS
        if any(
            len({str(d.get(field)) for d in group if d.get(field) is not None}) > 1
            for group in groups
        )
    ]


def tested_attributes(rows: Sequence[dict[str, Any]], gates: Gates) -> list[str]:
    """The gates' attributes, or every attribute that varies within twin sets."""
    return gates.axes.demographic_robustness.attributes or varying_attributes(rows)


def demographic_table(rows: Sequence[dict[str, Any]], gates: Gates) -> DemographicRobustness:
    """The demographic gap tests, as the report and the TUI's sweep screen both show them."""
    stats, demo = gates.statistics, gates.axes.demographic_robustness
    metrics = scored_metrics(rows)
    return demographic_robustness(
        rows,
        tested_attributes(rows, gates),
        [m for m in demo.metrics if m in metrics],
        threshold=demo.max_gap,
        n_perm=stats.n_perm,
        seed=stats.seed,
        alpha=demo.alpha,
        n_boot=stats.n_boot,
    )


def run_gaps(db: Any, run_id: str, gates: Gates | None = None) -> DemographicRobustness:
    """The demographic gap tests of a stored run (its valid, done sessions), with the shipped
    gates unless given: the one source of the gaps the TUI shows while a sweep runs."""
    from simulator.report.data import session_rows
    from simulator.report.gates import default_gates

    return demographic_table(session_rows(db, run_id), gates or default_gates())


def compute_tables(
    rows: Sequence[dict[str, Any]], judge_rows: Sequence[dict[str, Any]], gates: Gates
) -> Tables:
    stats = gates.statistics
    metrics = scored_metrics(rows)
    demographics = demographic_table(rows, gates)
    thresholds = gates.axes.behavioural_consistency.pass_threshold
    judged = sorted({r["metric"] for r in judge_rows})
    return Tables(
        metrics=metrics,
        attributes=tested_attributes(rows, gates),
        crisis_cliff=crisis_cliff(rows, metrics, n_boot=stats.n_boot, seed=stats.seed),
        overall=crisis_cliff(
            [{**row, "severity": OVERALL} for row in rows],
            metrics,
            n_boot=stats.n_boot,
            seed=stats.seed,
        ),
        demographic_robustness=demographics,
        consistency=consistency(rows, [m for m in thresholds if m in metrics], thresholds),
        deterioration=deterioration_rates(rows),
        failure_modes=failure_mode_rates(rows),
        judge_agreement=judge_agreement(judge_rows, judged),
    )
