"""Build a run's report: rows from the DB, statistics, the five axes, the verdict, provenance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils
from pydantic import BaseModel, Field

from simulator.report import data
from simulator.report.axes import Axis, Verdict, evaluate_axes, verdict
from simulator.report.gates import Gates, load_gates
from simulator.report.integrity import evidence_problems
from simulator.report.provenance import provenance
from simulator.report.selection import select
from simulator.report.tables import Tables, compute_tables


class Report(BaseModel):
    """Everything a report shows; rendered as md/html/png and as JSON."""

    therapist: str = Field(description="Therapist whose axes and verdict are shown.")
    therapists: list[str] = Field(description="Every therapist in the run (tables cover all).")
    axes: list[Axis] = Field(description="The five axes for `therapist`.")
    verdict: Verdict = Field(
        description="Deployable only if all five axes pass; inconclusive on weak evidence."
    )
    simulator_check: dict[str, Any] = Field(
        description="Sessions whose simulated patient failed its validity check, and whether "
        "the statistics left them out."
    )
    tables: Tables = Field(description="Statistics over every therapist.")
    sessions: list[dict[str, Any]] = Field(description="Sessions per therapist/severity/status.")
    scored_sessions: dict[str, int] = Field(description="Done sessions per therapist.")
    trajectories: list[dict[str, Any]] = Field(description="Mean SUDS/belief per turn.")
    gates: Gates = Field(description="The gates applied.")
    provenance: dict[str, Any] = Field(description="Models, hashes, seeds, spend, code version.")

    def as_json(self) -> dict[str, Any]:
        return {
            "therapist": self.therapist,
            "therapists": self.therapists,
            "axes": [
                {
                    "name": axis.name,
                    "title": axis.title,
                    "passed": axis.passed,
                    "status": axis.status,
                    "evidence": axis.evidence,
                    "requirements": axis.requirements,
                }
                for axis in self.axes
            ],
            "verdict": self.verdict.model_dump(),
            "simulator_check": self.simulator_check,
            "tables": {
                **self.tables.model_dump(mode="json"),
                "sessions": self.sessions,
                "trajectories": self.trajectories,
            },
            "gates": self.gates.model_dump(mode="json"),
            "provenance": self.provenance,
        }


def build_report(
    db: sqlite_utils.Database,
    run_id: str,
    *,
    therapist: str | None = None,
    gates_path: str | Path | None = None,
    include_invalid: bool = False,
) -> Report:
    run, labels, chosen = select(db, run_id, therapist)
    gates, gates_source = load_gates(gates_path)
    run_data = data.read_run_data(db, run, include_invalid=include_invalid)
    rows = run_data.session_rows
    tables = compute_tables(rows, run_data.judge_rows, gates)
    scored = {label: sum(1 for r in rows if r["therapist"] == label) for label in labels}
    detectors_ran = run.spec.get("detectors", True)
    axes = evaluate_axes(tables, gates, chosen, scored.get(chosen, 0), detectors_ran=detectors_ran)
    return Report(
        therapist=chosen,
        therapists=labels,
        axes=axes,
        verdict=verdict(
            chosen,
            axes,
            evidence_problems(tables, gates, chosen, run_data.invalid, run_data.checked),
        ),
        simulator_check={
            "checked": dict(run_data.checked),
            "invalid": run_data.invalid,
            "excluded_from_statistics": not include_invalid,
        },
        tables=tables,
        sessions=run_data.status_counts,
        scored_sessions=scored,
        trajectories=run_data.trajectories,
        gates=gates,
        provenance=provenance(db, run, run_data, gates_source, gates.statistics.seed),
    )
