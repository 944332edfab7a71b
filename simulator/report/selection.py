"""Which run and therapist a report is about, checked cheaply before any statistics load."""

from __future__ import annotations

import sqlite_utils

from simulator.report.errors import ReportError


def run_row(db: sqlite_utils.Database, run_id: str) -> dict:
    rows = list(db["runs"].rows_where("id = ?", [run_id])) if db["runs"].exists() else []
    if not rows:
        raise ReportError(f"no run {run_id} in this DB; see `patientsim runs list`")
    return rows[0]


def therapists(db: sqlite_utils.Database, run_id: str) -> list[str]:
    """Therapist labels of the run's sessions (or of its plan, if none has started)."""
    labels = [
        row[0]
        for row in db.execute(
            "select distinct therapist_label from sessions where run_id = ? order by 1", [run_id]
        ).fetchall()
    ]
    if not labels and db["sweep_plan"].exists():
        labels = [
            row[0]
            for row in db.execute(
                "select distinct therapist_label from sweep_plan where run_id = ? order by 1",
                [run_id],
            ).fetchall()
        ]
    return labels


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


def select(db: sqlite_utils.Database, run_id: str, therapist: str | None) -> tuple[dict, list, str]:
    """(run row, every therapist label, the chosen one), or ReportError."""
    run = run_row(db, run_id)
    labels = therapists(db, run_id)
    return run, labels, pick_therapist(labels, therapist, run_id)
