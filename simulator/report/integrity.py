"""Is the evidence strong enough for any verdict? The reasons it is not.

A verdict from judges who disagree, from judgments that could not be scored, or from
sessions whose simulated patient broke down measures noise. Each reason names the figure,
its limit (gates.yaml `evidence`) and what to do; any reason makes the verdict inconclusive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from simulator.report.gates import Gates
from simulator.report.tables import Tables


def evidence_problems(
    tables: Tables,
    gates: Gates,
    therapist: str,
    invalid: Sequence[Mapping[str, Any]],
    checked: Mapping[str, int],
) -> list[str]:
    """Why the evidence for `therapist` cannot carry a verdict (empty: it can)."""
    limits = gates.evidence
    gated = set(gates.gated_metrics())
    reasons = []
    rows = [row for row in tables.judge_agreement.metrics if row.metric in gated]
    disagreed = [
        f"{row.metric} {row.alpha:.2f}"
        for row in rows
        if row.alpha is not None and row.alpha < limits.min_judge_alpha
    ]
    if disagreed:
        reasons.append(
            f"the judges disagree (Krippendorff's alpha below {limits.min_judge_alpha}) on "
            f"{len(disagreed)} gated metric(s): {', '.join(disagreed)}; use stronger or more "
            "judges, and check them with `patientsim judge calibrate`"
        )
    unscorable = []
    for row in rows:
        total = sum(j.scored for j in row.per_judge) + row.unscorable
        if total and row.unscorable / total > limits.max_unscorable_share:
            unscorable.append(f"{row.metric} {row.unscorable} of {total}")
    if unscorable:
        reasons.append(
            f"more than {limits.max_unscorable_share:.0%} of the judgments are unscorable on "
            f"{', '.join(unscorable)}"
        )
    mine = [s for s in invalid if s["therapist"] == therapist]
    simulated = checked.get(therapist, 0)
    if simulated and len(mine) / simulated > limits.max_invalid_share:
        checks = sorted({c for s in mine for c in s["checks"]})
        reasons.append(
            f"{len(mine)} of {simulated} sessions failed the simulator check "
            f"({len(mine) / simulated:.0%} > {limits.max_invalid_share:.0%}: "
            f"{', '.join(checks)}); the simulated patient, not the therapist, may explain "
            "the scores"
        )
    return reasons
