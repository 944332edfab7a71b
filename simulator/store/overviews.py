"""One line per session and per run, for tables that list them all (the TUI's runs screen):
counts and sums computed in SQL, no transcript read."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from simulator.store.rows import fetch_dicts
from simulator.store.statuses import EndReason, RunStatus, RunStopReason, SessionStatus

SESSIONS_SQL = """
select o.session_id, o.run_id, o.run_name, o.external_id, o.status, o.protocol, o.persona,
       coalesce(s.therapist_label, o.therapist) as therapist, o.severity, o.end_reason,
       o.deteriorated, o.turns, o.cost_usd, o.created_at
from session_overview o join sessions s on s.id = o.session_id
order by o.created_at desc, o.session_id desc
"""

RUNS_SQL = """
select r.id, r.name, r.kind, r.status, r.stop_reason, r.created_at,
       count(s.id) as sessions,
       coalesce(sum(s.status = ?), 0) as done,
       coalesce(sum(s.status = ?), 0) as failed
from runs r left join sessions s on s.run_id = r.id
group by r.id order by r.created_at desc, r.id desc
"""


@dataclass(frozen=True)
class SessionOverview:
    session_id: str
    run_id: str | None
    run_name: str | None
    external_id: str | None
    status: SessionStatus
    protocol: str
    persona: str
    therapist: str  # the label, else the model
    severity: str | None
    end_reason: EndReason | None
    deteriorated: bool | None
    turns: int
    cost_usd: float
    created_at: str


@dataclass(frozen=True)
class RunOverview:
    run_id: str
    name: str
    kind: str
    status: RunStatus
    stop_reason: RunStopReason | None
    created_at: str
    sessions: int
    done: int
    failed: int


def session_overviews(db: sqlite_utils.Database) -> list[SessionOverview]:
    """Every session, newest first."""
    return [
        SessionOverview(
            session_id=row["session_id"],
            run_id=row["run_id"],
            run_name=row["run_name"],
            external_id=row["external_id"],
            status=SessionStatus(row["status"] or SessionStatus.RUNNING),
            protocol=row["protocol"] or "",
            persona=row["persona"] or "",
            therapist=row["therapist"] or "",
            severity=row["severity"],
            end_reason=EndReason.read(row["end_reason"]),
            deteriorated=None if row["deteriorated"] is None else bool(row["deteriorated"]),
            turns=row["turns"] or 0,
            cost_usd=row["cost_usd"] or 0.0,
            created_at=row["created_at"] or "",
        )
        for row in fetch_dicts(db, SESSIONS_SQL)
    ]


def run_overviews(db: sqlite_utils.Database) -> list[RunOverview]:
    """Every run with how many of its sessions are done and failed, newest first."""
    return [
        RunOverview(
            run_id=row["id"],
            name=row["name"] or row["id"],
            kind=row["kind"] or "run",
            status=RunStatus(row["status"] or RunStatus.RUNNING),
            stop_reason=RunStopReason.read(row["stop_reason"]),
            created_at=row["created_at"] or "",
            sessions=row["sessions"],
            done=row["done"],
            failed=row["failed"],
        )
        for row in fetch_dicts(db, RUNS_SQL, [SessionStatus.DONE, SessionStatus.FAILED])
    ]


def session_status_counts(db: sqlite_utils.Database, run_id: str) -> dict[SessionStatus, int]:
    """How many of the run's sessions are in each status."""
    rows = fetch_dicts(
        db, "select status, count(*) as n from sessions where run_id = ? group by status", [run_id]
    )
    return {SessionStatus(row["status"] or SessionStatus.RUNNING): row["n"] for row in rows}


def session_fingerprint(db: sqlite_utils.Database, session_id: str) -> tuple:
    """Changes whenever anything a session view shows does (() for an unknown session)."""
    rows = fetch_dicts(
        db,
        "select s.status, s.updated_at,"
        " (select count(*) from turns where session_id = s.id) as turns,"
        " (select count(*) from judgments where session_id = s.id) as judgments,"
        " (select count(*) from detector_hits where session_id = s.id) as hits"
        " from sessions s where s.id = ?",
        [session_id],
    )
    return tuple(rows[0].values()) if rows else ()
