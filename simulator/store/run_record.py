"""A stored run as one typed record: its row and its sessions' rows (no transcripts; read
those with `session_reader.read_sessions(db, run.session_ids)`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from simulator.store.rows import fetch_dicts
from simulator.store.session_reader import META_COLUMNS, meta_from_row
from simulator.store.session_record import SessionMeta
from simulator.store.statuses import RunStatus, RunStopReason, SessionStatus


@dataclass(frozen=True)
class RunRecord:
    """One `runs` row and its sessions' rows."""

    id: str
    name: str
    kind: str
    status: RunStatus
    stop_reason: RunStopReason | None
    spec: dict[str, Any]  # parsed spec_json: what started the run (a sweep's spec, an ingest's)
    code_version: str | None
    created_at: str
    finished_at: str | None
    sessions: tuple[SessionMeta, ...]  # oldest first

    @property
    def session_ids(self) -> list[str]:
        return [s.id for s in self.sessions]

    def sessions_with(self, status: SessionStatus) -> list[SessionMeta]:
        return [s for s in self.sessions if s.status == status]


def read_run(
    db: sqlite_utils.Database, run_id: str, *, with_sessions: bool = True
) -> RunRecord | None:
    """The run's record, or None when no run has this id. `with_sessions=False` leaves
    `sessions` empty, for a reader that needs only the run row."""
    rows = fetch_dicts(db, "select * from runs where id = ?", [run_id])
    if not rows:
        return None
    row = rows[0]
    sessions = (
        fetch_dicts(
            db,
            f"select {META_COLUMNS} from sessions where run_id = ? order by created_at, id",
            [run_id],
        )
        if with_sessions
        else []
    )
    return RunRecord(
        id=row["id"],
        name=row["name"] or row["id"],
        kind=row["kind"] or "",
        status=RunStatus(row["status"] or RunStatus.RUNNING),
        stop_reason=RunStopReason.read(row["stop_reason"]),
        spec=_spec(row["spec_json"]),
        code_version=row["code_version"],
        created_at=row["created_at"] or "",
        finished_at=row["finished_at"],
        sessions=tuple(meta_from_row(s) for s in sessions),
    )


def latest_session_id(db: sqlite_utils.Database) -> str | None:
    """The newest session of the DB, or None when it holds none."""
    rows = fetch_dicts(db, "select id from sessions order by created_at desc, id desc limit 1")
    return rows[0]["id"] if rows else None


def _spec(raw: str | None) -> dict[str, Any]:
    try:
        data = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
