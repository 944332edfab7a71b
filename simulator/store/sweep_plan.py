"""A sweep's planned grid in the runs DB (table `sweep_plan`): written when the sweep starts,
read on resume and by the report.

One row per planned session; `session_id` stays null until the session is created. Reads
page through the plan by index so that memory stays flat however large the grid is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from simulator.store.rows import fetch_dicts, fetch_value
from simulator.store.statuses import SessionStatus

PAGE = 200


@dataclass(frozen=True)
class PlanCell:
    """Where a planned session sits in the grid: repeats of one identical session share a cell."""

    cell: str | None
    repeat: int


def add_plan_rows(db: sqlite_utils.Database, run_id: str, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert every planned session (session_id null), a page at a time; returns how many."""
    count = 0
    batch: list[dict] = []
    for row in rows:
        batch.append({**row, "run_id": run_id, "session_id": None})
        count += 1
        if len(batch) >= PAGE:
            db["sweep_plan"].insert_all(batch)
            batch = []
    if batch:
        db["sweep_plan"].insert_all(batch)
    return count


def link_plan_session(db: sqlite_utils.Database, run_id: str, idx: int, session_id: str) -> None:
    db["sweep_plan"].update((run_id, idx), {"session_id": session_id})


def unfinished_plan_rows(db: sqlite_utils.Database, run_id: str) -> Iterator[dict[str, Any]]:
    """Planned sessions not yet done (never started, interrupted or failed), in grid order;
    each plan row with `session_status` (None when never started)."""
    last = -1
    while True:
        rows = fetch_dicts(
            db,
            "select p.*, s.status as session_status from sweep_plan p "
            "left join sessions s on s.id = p.session_id "
            "where p.run_id = ? and p.idx > ? and (s.status is null or s.status != ?) "
            "order by p.idx limit ?",
            [run_id, last, SessionStatus.DONE, PAGE],
        )
        if not rows:
            return
        for row in rows:
            status = row["session_status"]
            yield {**row, "session_status": SessionStatus.read(status)}
        last = rows[-1]["idx"]


def done_unjudged(db: sqlite_utils.Database, run_id: str) -> list[str]:
    """Done sessions of the run's plan with no judgment (judging was interrupted)."""
    return [
        row["session_id"]
        for row in fetch_dicts(
            db,
            "select p.session_id from sweep_plan p join sessions s on s.id = p.session_id "
            "where p.run_id = ? and s.status = ? and not exists "
            "(select 1 from judgments j where j.session_id = p.session_id) order by p.idx",
            [run_id, SessionStatus.DONE],
        )
    ]


def unplanned_sessions(db: sqlite_utils.Database, run_id: str) -> list[tuple[str, str]]:
    """(session id, config_json) of the run's sessions that no plan row names."""
    rows = fetch_dicts(
        db,
        "select id, config_json from sessions where run_id = ? and id not in "
        "(select session_id from sweep_plan where run_id = ? and session_id is not null)",
        [run_id, run_id],
    )
    return [(row["id"], row["config_json"]) for row in rows]


def first_free_plan_index(db: sqlite_utils.Database, run_id: str, config_json: str) -> int | None:
    """The first plan row with this config that no session has taken yet."""
    return fetch_value(
        db,
        "select idx from sweep_plan where run_id = ? and session_id is null "
        "and config_json = ? order by idx limit 1",
        [run_id, config_json],
    )


def plan_counts(db: sqlite_utils.Database, run_id: str) -> dict[str, int]:
    """Planned sessions by state: total, done, failed, interrupted (running/stopped),
    not_started."""
    row = db.execute(
        "select count(*), "
        "sum(case when s.status = ? then 1 else 0 end), "
        "sum(case when s.status = ? then 1 else 0 end), "
        "sum(case when p.session_id is null then 1 else 0 end) "
        "from sweep_plan p left join sessions s on s.id = p.session_id where p.run_id = ?",
        [SessionStatus.DONE, SessionStatus.FAILED, run_id],
    ).fetchone()
    total, done, failed, not_started = (int(v or 0) for v in row)
    return {
        "total": total,
        "done": done,
        "failed": failed,
        "not_started": not_started,
        "interrupted": total - done - failed - not_started,
    }


def planned_count(db: sqlite_utils.Database, run_id: str) -> int:
    """How many sessions the run's plan holds (0 for a run without a plan)."""
    return int(fetch_value(db, "select count(*) from sweep_plan where run_id = ?", [run_id]) or 0)


def plan_cells(db: sqlite_utils.Database, run_id: str) -> dict[str, PlanCell]:
    """Session id -> its cell and repeat, for the run's planned sessions that have started."""
    rows = fetch_dicts(
        db,
        'select session_id, cell, "repeat" from sweep_plan'
        " where run_id = ? and session_id is not null",
        [run_id],
    )
    return {row["session_id"]: PlanCell(row["cell"], row["repeat"] or 0) for row in rows}


def unstarted_counts(db: sqlite_utils.Database, run_id: str) -> list[dict[str, Any]]:
    """Planned sessions never started, per therapist label and severity."""
    return fetch_dicts(
        db,
        "select therapist_label as therapist, severity, count(*) as sessions"
        " from sweep_plan where run_id = ? and session_id is null group by 1, 2",
        [run_id],
    )


def planned_therapists(db: sqlite_utils.Database, run_id: str) -> list[str]:
    """Therapist labels of the run's plan, sorted."""
    rows = fetch_dicts(
        db,
        "select distinct therapist_label from sweep_plan where run_id = ? order by 1",
        [run_id],
    )
    return [row["therapist_label"] for row in rows]
