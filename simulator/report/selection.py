"""Which run and therapist a report is about, checked cheaply before any statistics load."""

from __future__ import annotations

import sqlite_utils

from simulator.report.errors import ReportError
from simulator.store.run_record import RunRecord, read_run
from simulator.store.sweep_plan import planned_therapists


def run_record(db: sqlite_utils.Database, run_id: str) -> RunRecord:
    run = read_run(db, run_id)
    if run is None:
        raise ReportError(f"no run {run_id} in this DB; see `patientsim runs list`")
    return run


def therapists(db: sqlite_utils.Database, run: RunRecord) -> list[str]:
    """Therapist labels of the run's sessions (or of its plan, if none has started)."""
    labels = sorted({s.therapist_label for s in run.sessions if s.therapist_label is not None})
    return labels or planned_therapists(db, run.id)


def pick_therapist(labels: list[str], therapist: str | None, run_id: str) -> str:
    """The therapist whose axes and verdict are shown: named, or the run's only one."""
    if not labels:
        raise ReportError(f"run {run_id} has no sessions to report on")
    if therapist is not None:
        if therapist not in labels:
            raise ReportError(
                f"--therapist {therapist}: not in run {run_id} (therapists: {', '.join(labels)})"
            )
        return therapist
    if len(labels) > 1:
        raise ReportError(
            f"run {run_id} holds {len(labels)} therapists ({', '.join(labels)}); choose whose "
            "axes and verdict to show with --therapist LABEL (the tables cover all of them)"
        )
    return labels[0]


def select(
    db: sqlite_utils.Database, run_id: str, therapist: str | None
) -> tuple[RunRecord, list[str], str]:
    """(the run's record, every therapist label, the chosen one), or ReportError."""
    run = run_record(db, run_id)
    labels = therapists(db, run)
    return run, labels, pick_therapist(labels, therapist, run_id)
