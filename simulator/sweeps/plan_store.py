"""The planned grid in the runs DB (`sweep_plan`): written when a sweep starts, read on resume.

Reads page through the plan by index so that memory stays flat however large the grid is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict

import sqlite_utils

from simulator.sweeps.grid import PlannedSession

PAGE = 200
FINISHED = ("done",)


def store_plan(db: sqlite_utils.Database, run_id: str, planned: Iterable[PlannedSession]) -> int:
    """Insert every planned session (session_id null); returns how many."""
    count = 0
    batch: list[dict] = []
    for item in planned:
        batch.append({"run_id": run_id, **asdict(item), "session_id": None})
        count += 1
        if len(batch) >= PAGE:
            db["sweep_plan"].insert_all(batch)
            batch = []
    if batch:
        db["sweep_plan"].insert_all(batch)
    return count


def link_session(db: sqlite_utils.Database, run_id: str, idx: int, session_id: str) -> None:
    db["sweep_plan"].update((run_id, idx), {"session_id": session_id})


def unfinished(db: sqlite_utils.Database, run_id: str) -> Iterator[dict]:
    """Planned sessions not yet done (never started, interrupted or failed), in grid order."""
    last = -1
    while True:
        rows = list(
            db.query(
                "select p.*, s.status as session_status from sweep_plan p "
                "left join sessions s on s.id = p.session_id "
                "where p.run_id = ? and p.idx > ? "
                "and (s.status is null or s.status not in ('done')) "
                "order by p.idx limit ?",
                [run_id, last, PAGE],
            )
        )
        if not rows:
            return
        yield from rows
        last = rows[-1]["idx"]


def done_unjudged(db: sqlite_utils.Database, run_id: str) -> list[str]:
    """Done sessions of the run with no judgment (judging was interrupted)."""
    if not db["judgments"].exists():
        return []
    return [
        row["session_id"]
        for row in db.query(
            "select p.session_id from sweep_plan p join sessions s on s.id = p.session_id "
            "where p.run_id = ? and s.status = 'done' and not exists "
            "(select 1 from judgments j where j.session_id = p.session_id) order by p.idx",
            [run_id],
        )
    ]


def adopt_orphans(db: sqlite_utils.Database, run_id: str) -> int:
    """Link sessions created just before a kill whose plan row was never updated.

    A session row is written, then its plan row linked: a SIGKILL between the two leaves a
    session of this run that no plan row names. Match it back by its stored config.
    """
    orphans = list(
        db.query(
            "select id, config_json from sessions where run_id = ? and id not in "
            "(select session_id from sweep_plan where run_id = ? and session_id is not null)",
            [run_id, run_id],
        )
    )
    adopted = 0
    for orphan in orphans:
        match = list(
            db.query(
                "select idx from sweep_plan where run_id = ? and session_id is null "
                "and config_json = ? order by idx limit 1",
                [run_id, orphan["config_json"]],
            )
        )
        if match:
            link_session(db, run_id, match[0]["idx"], orphan["id"])
            adopted += 1
    return adopted


def plan_counts(db: sqlite_utils.Database, run_id: str) -> dict[str, int]:
    """Planned sessions by state: total, done, failed, other (running/stopped), not_started."""
    row = db.execute(
        "select count(*), "
        "sum(case when s.status = 'done' then 1 else 0 end), "
        "sum(case when s.status = 'failed' then 1 else 0 end), "
        "sum(case when p.session_id is null then 1 else 0 end) "
        "from sweep_plan p left join sessions s on s.id = p.session_id where p.run_id = ?",
        [run_id],
    ).fetchone()
    total, done, failed, not_started = (int(v or 0) for v in row)
    return {
        "total": total,
        "done": done,
        "failed": failed,
        "not_started": not_started,
        "interrupted": total - done - failed - not_started,
    }
