"""Read-only queries on the runs DB, on a connection of their own.

Each screen that polls owns a reader: its queries run on a worker thread while the UI loop
(and a live session writing through the app's connection) carry on. `changed()` asks SQLite
whether anyone committed since the last look, so an idle DB costs one pragma per poll.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from tui import judging
from tui.rows import (
    HitRecord,
    RunListing,
    SessionDetail,
    SessionListing,
    StateRecord,
    SweepProgress,
    SweepSession,
    TurnRecord,
)
from tui.sweep_numbers import pace, parse_time, planned_total

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
       coalesce(sum(s.status = 'done'), 0) as done,
       coalesce(sum(s.status = 'failed'), 0) as failed
from runs r left join sessions s on s.run_id = r.id
group by r.id order by r.created_at desc, r.id desc
"""


def _rows(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


class StoreReader:
    """Read the runs DB from any one thread at a time (a lock guards the connection)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        self._conn.execute("pragma query_only = 1")
        self._conn.execute("pragma busy_timeout = 30000")
        self._db = sqlite_utils.Database(self._conn)
        self._lock = threading.Lock()
        self._version: int | None = None
        self._judgment_mark = 0
        self._panel_cache: dict[str, list[judging.Judgment]] = {}
        self._summary_cache: dict[str, list[judging.MetricSummary]] = {}

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _query(self, sql: str, params: list | tuple = ()) -> list[dict[str, Any]]:
        with self._lock:
            return _rows(self._conn.execute(sql, params))

    def changed(self) -> bool:
        """Whether anything was committed since the previous call (True on the first)."""
        with self._lock:
            # data_version moves when another connection commits; this one never writes.
            version = self._conn.execute("pragma data_version").fetchone()[0]
        changed, self._version = version != self._version, version
        return changed

    # ------------------------------------------------------------------ runs screen

    def sessions(self) -> list[SessionListing]:
        rows = self._query(SESSIONS_SQL)
        scores = self.session_scores()
        listings = []
        for row in rows:
            summaries = scores.get(row["session_id"], [])
            listings.append(
                SessionListing(
                    session_id=row["session_id"],
                    run_id=row["run_id"],
                    run_name=row["run_name"],
                    external_id=row["external_id"],
                    status=row["status"] or "",
                    protocol=row["protocol"] or "",
                    persona=row["persona"] or "",
                    therapist=row["therapist"] or "",
                    severity=row["severity"],
                    end_reason=row["end_reason"],
                    deteriorated=_bool(row["deteriorated"]),
                    turns=row["turns"] or 0,
                    cost_usd=row["cost_usd"] or 0.0,
                    created_at=row["created_at"] or "",
                    score=judging.session_score(summaries),
                    needs_review=sum(s.needs_review for s in summaries),
                )
            )
        return listings

    def runs(self) -> list[RunListing]:
        return [
            RunListing(
                run_id=r["id"],
                name=r["name"] or r["id"],
                kind=r["kind"] or "run",
                status=r["status"] or "",
                stop_reason=r["stop_reason"],
                sessions=r["sessions"],
                done=r["done"],
                failed=r["failed"],
                created_at=r["created_at"] or "",
            )
            for r in self._query(RUNS_SQL)
        ]

    def _panels(self, where: str = "", params: list | tuple = ()) -> dict[str, list]:
        grouped: dict[str, list[dict]] = defaultdict(list)
        for row in self._query(f"select * from judgments {where}", params):
            grouped[row["session_id"]].append(row)
        return {sid: judging.latest_panel(rows) for sid, rows in grouped.items()}

    def _all_panels(self) -> dict[str, list[judging.Judgment]]:
        """Every session's panel, re-reading only sessions judged since the last call.

        Judgment rows are only ever added, so a growing sweep costs the new rows, not all.
        """
        fresh = self._query(
            "select * from judgments where session_id in"
            " (select distinct session_id from judgments where id > ?)",
            [self._judgment_mark],
        )
        grouped: dict[str, list[dict]] = defaultdict(list)
        for row in fresh:
            grouped[row["session_id"]].append(row)
            self._judgment_mark = max(self._judgment_mark, row["id"])
        for session_id, rows in grouped.items():
            panel = judging.latest_panel(rows)
            self._panel_cache[session_id] = panel
            self._summary_cache[session_id] = judging.summarize(panel)
        return self._panel_cache

    def session_scores(self) -> dict[str, list[judging.MetricSummary]]:
        """Per session, the panel's per-metric summaries (newest rubric)."""
        self._all_panels()
        return self._summary_cache

    # ------------------------------------------------------------------ one session

    def session_fingerprint(self, session_id: str) -> tuple:
        """Changes whenever anything shown about the session does."""
        row = self._query(
            "select s.status, s.updated_at,"
            " (select count(*) from turns where session_id = s.id) as turns,"
            " (select count(*) from judgments where session_id = s.id) as judgments,"
            " (select count(*) from detector_hits where session_id = s.id) as hits"
            " from sessions s where s.id = ?",
            [session_id],
        )
        return tuple(row[0].values()) if row else ()

    def session_detail(self, session_id: str) -> SessionDetail | None:
        from simulator.store import records

        with self._lock:
            row = records.session_row(self._db, session_id)
            if row is None:
                return None
            turns = records.session_turns(self._db, session_id)
            states = records.session_states(self._db, session_id)
        hits = self._query(
            "select turn, label, span from detector_hits where session_id = ? order by turn, rowid",
            [session_id],
        )
        panel = self._panels("where session_id = ?", [session_id]).get(session_id, [])
        scores = self._package_scores(session_id) or judging.summarize(panel)
        cited = judging.citations(panel)
        for hit in hits:
            cited.setdefault(hit["turn"], []).append(f"detector {hit['label']}: {hit['span']}")
        return SessionDetail(
            session_id=session_id,
            status=row["status"] or "",
            end_reason=row["end_reason"],
            protocol=row["protocol_id"] or "",
            persona=row["persona_id"] or "",
            therapist=row["therapist_label"] or row["therapist_model"] or "",
            patient=row["patient_model"] or "",
            mode=row["mode"] or "",
            severity=row["severity"],
            max_turns=row["max_turns"],
            deteriorated=_bool(row["deteriorated"]),
            error=row["error"],
            turns=[TurnRecord(**t) for t in turns],
            states=[
                StateRecord(**{**s, "events": tuple(str(e) for e in s.get("events") or ())})
                for s in states
            ],
            hits=[HitRecord(h["turn"], h["label"] or "", h["span"] or "") for h in hits],
            panel=panel,
            scores=scores,
            cited=cited,
        )

    def _package_scores(self, session_id: str) -> list[judging.MetricSummary]:
        """The judges package's own aggregates, when it is installed and has judged the session."""
        try:
            from simulator.judges import judgment_summary
        except ImportError:
            return []
        try:
            with self._lock:
                summary = judgment_summary(self._db, session_id)
        except Exception:  # noqa: BLE001 - fall back to reading the rows ourselves
            return []
        scores = summary.get("scores") if isinstance(summary, dict) else None
        return judging.summaries_from_scores(scores) if isinstance(scores, dict) else []

    def protocol_text(self, session_id: str) -> str | None:
        """The protocol file the session ran, as stored with it."""
        rows = self._query(
            "select p.yaml from sessions s join protocols p on p.hash = s.protocol_hash"
            " where s.id = ?",
            [session_id],
        )
        return rows[0]["yaml"] if rows else None

    def latest_session_id(self) -> str | None:
        rows = self._query("select id from sessions order by created_at desc, id desc limit 1")
        return rows[0]["id"] if rows else None

    # ------------------------------------------------------------------ sweeps

    def sweep_runs(self) -> list[RunListing]:
        return [run for run in self.runs() if run.kind == "sweep"]

    def sweep_progress(self, run_id: str, now: datetime | None = None) -> SweepProgress | None:
        runs = self._query("select * from runs where id = ?", [run_id])
        if not runs:
            return None
        run = runs[0]
        counts = {
            r["status"]: r["n"]
            for r in self._query(
                "select status, count(*) as n from sessions where run_id = ? group by status",
                [run_id],
            )
        }
        usage = self._query(
            "select coalesce(sum(c.cost_usd), 0) as cost,"
            " coalesce(sum(c.prompt_tokens + c.completion_tokens), 0) as tokens"
            " from model_calls c join sessions s on s.id = c.session_id where s.run_id = ?",
            [run_id],
        )[0]
        try:
            spec = json.loads(run["spec_json"] or "{}")
        except ValueError:
            spec = {}
        done, failed = counts.get("done", 0), counts.get("failed", 0)
        total = self._planned_sessions(run_id) or planned_total(
            spec if isinstance(spec, dict) else {}
        )
        stored = sum(counts.values())
        if total is None and run["status"] != "running":
            total = stored
        total = None if total is None else max(total, stored)
        finished_at = parse_time(run["finished_at"])
        until = finished_at or now or datetime.now(UTC)
        remaining = None if total is None else total - done - failed
        per_minute, eta = pace(done + failed, remaining, parse_time(run["created_at"]), until)
        return SweepProgress(
            run_id=run_id,
            name=run["name"] or run_id,
            status=run["status"] or "",
            stop_reason=run["stop_reason"],
            total=total,
            done=done,
            failed=failed,
            running=counts.get("running", 0),
            cost_usd=float(usage["cost"] or 0.0),
            tokens=int(usage["tokens"] or 0),
            per_minute=per_minute,
            eta_seconds=None if finished_at else eta,
        )

    def _planned_sessions(self, run_id: str) -> int | None:
        """The sweep's grid size, from the plan it stores when it starts (if it does)."""
        try:
            rows = self._query("select count(*) as n from sweep_plan where run_id = ?", [run_id])
        except sqlite3.OperationalError:  # no sweep_plan table in this DB
            return None
        return rows[0]["n"] or None

    def sweep_sessions(self, run_id: str) -> list[SweepSession]:
        rows = self._query(
            "select s.id, coalesce(s.therapist_label, s.therapist_model) as therapist, s.severity,"
            " s.persona_id, p.json as persona_json from sessions s"
            " left join personas p on p.id = s.persona_id where s.run_id = ?",
            [run_id],
        )
        panels = self._all_panels()
        sessions = []
        for row in rows:
            panel = panels.get(row["id"])
            if not panel:
                continue
            persona = _persona_fields(row["persona_json"])
            sessions.append(
                SweepSession(
                    session_id=row["id"],
                    therapist=row["therapist"] or "?",
                    severity=row["severity"] or "?",
                    persona_id=row["persona_id"] or "",
                    twin_group=persona.get("twin_group"),
                    demographics=persona.get("demographics") or {},
                    scores=judging.metric_medians(panel),
                )
            )
        return sessions


def _persona_fields(raw: str | None) -> dict:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
