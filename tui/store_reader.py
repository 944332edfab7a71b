"""What the screens read from the runs DB, on a read-only connection of their own.

Each screen that polls owns a reader: its reads run on a worker thread while the UI loop
(and a live session writing through the app's connection) carry on. `changed()` asks SQLite
whether anyone committed since the last look, so an idle DB costs one pragma per poll.
Every read goes through `simulator.store` (its session and run records, its overviews);
this module only shapes them into the rows the screens draw.
"""

from __future__ import annotations

import threading
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

from simulator.store import overviews
from simulator.store.judgment_rows import judgments_of_sessions_judged_since
from simulator.store.read_only import data_version, open_read_only
from simulator.store.run_record import latest_session_id, read_run
from simulator.store.session_reader import read_session, session_protocol
from simulator.store.session_record import SessionRecord
from simulator.store.spend import run_spend
from simulator.store.statuses import RunStatus, SessionStatus
from simulator.store.sweep_plan import planned_count
from tui import judging
from tui.rows import RunListing, SessionDetail, SessionListing, SweepProgress, SweepSession
from tui.sweep_numbers import pace, parse_time, planned_total


class StoreReader:
    """Read the runs DB from any one thread at a time (a lock guards the connection)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._db = open_read_only(self.path)
        self._lock = threading.Lock()
        self._version: int | None = None
        self._judgment_mark = 0
        self._panel_cache: dict[str, list[judging.Judgment]] = {}
        self._summary_cache: dict[str, list[judging.MetricSummary]] = {}

    def close(self) -> None:
        with self._lock:
            self._db.conn.close()

    def changed(self) -> bool:
        """Whether anything was committed since the previous call (True on the first)."""
        with self._lock:
            version = data_version(self._db)
        changed, self._version = version != self._version, version
        return changed

    # ------------------------------------------------------------------ runs screen

    def sessions(self) -> list[SessionListing]:
        with self._lock:
            rows = overviews.session_overviews(self._db)
        scores = self.session_scores()
        listings = []
        for row in rows:
            summaries = scores.get(row.session_id, [])
            listings.append(
                SessionListing(
                    **{f.name: getattr(row, f.name) for f in fields(row)},
                    score=judging.session_score(summaries),
                    needs_review=sum(s.needs_review for s in summaries),
                )
            )
        return listings

    def runs(self) -> list[RunListing]:
        with self._lock:
            rows = overviews.run_overviews(self._db)
        return rows  # RunListing is the store's RunOverview

    def _all_panels(self) -> dict[str, list[judging.Judgment]]:
        """Every session's panel, re-reading only sessions judged since the last call.

        Judgment rows are only ever added, so a growing sweep costs the new rows, not all.
        """
        with self._lock:
            fresh = judgments_of_sessions_judged_since(self._db, self._judgment_mark)
        grouped: dict[str, list] = {}
        for record in fresh:
            grouped.setdefault(record.session_id, []).append(record)
            self._judgment_mark = max(self._judgment_mark, record.id)
        for session_id, records in grouped.items():
            panel = judging.latest_panel(records)
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
        with self._lock:
            return overviews.session_fingerprint(self._db, session_id)

    def session_detail(self, session_id: str) -> SessionDetail | None:
        with self._lock:
            record = read_session(self._db, session_id)
        if record is None:
            return None
        meta = record.meta
        panel = judging.latest_panel(record.judgments)
        cited = judging.citations(panel)
        for hit in record.hits:
            cited.setdefault(hit.turn, []).append(f"detector {hit.label}: {hit.span}")
        return SessionDetail(
            session_id=session_id,
            status=meta.status,
            end_reason=meta.end_reason,
            protocol=meta.protocol_id or "",
            persona=meta.persona_id or "",
            therapist=meta.therapist,
            patient=meta.patient_model or "",
            mode=meta.mode or "",
            severity=meta.severity,
            max_turns=meta.max_turns,
            deteriorated=meta.deteriorated,
            error=meta.error,
            turns=list(record.turns),
            states=list(record.states),
            hits=list(record.hits),
            panel=panel,
            scores=_package_scores(record) or judging.summarize(panel),
            cited=cited,
            patient_check=_patient_check(record),
        )

    def protocol_text(self, session_id: str) -> str | None:
        """The protocol file the session ran, as stored with it."""
        with self._lock:
            stored = session_protocol(self._db, session_id)
        return stored.text if stored is not None else None

    def latest_session_id(self) -> str | None:
        with self._lock:
            return latest_session_id(self._db)

    # ------------------------------------------------------------------ sweeps

    def sweep_runs(self) -> list[RunListing]:
        return [run for run in self.runs() if run.kind == "sweep"]

    def sweep_progress(self, run_id: str, now: datetime | None = None) -> SweepProgress | None:
        with self._lock:
            run = read_run(self._db, run_id, with_sessions=False)
            if run is None:
                return None
            counts = overviews.session_status_counts(self._db, run_id)
            spend = run_spend(self._db, run_id)
            planned = planned_count(self._db, run_id)
        done = counts.get(SessionStatus.DONE, 0)
        failed = counts.get(SessionStatus.FAILED, 0)
        total = planned or planned_total(run.spec)
        stored = sum(counts.values())
        if total is None and run.status != RunStatus.RUNNING:
            total = stored
        total = None if total is None else max(total, stored)
        finished_at = parse_time(run.finished_at)
        until = finished_at or now or datetime.now(UTC)
        remaining = None if total is None else total - done - failed
        per_minute, eta = pace(done + failed, remaining, parse_time(run.created_at), until)
        return SweepProgress(
            run_id=run_id,
            name=run.name,
            status=run.status,
            stop_reason=run.stop_reason,
            total=total,
            done=done,
            failed=failed,
            running=counts.get(SessionStatus.RUNNING, 0),
            cost_usd=spend.usd,
            tokens=spend.tokens,
            per_minute=per_minute,
            eta_seconds=None if finished_at else eta,
        )

    def sweep_gaps(self, run_id: str):
        """The run's demographic gap tests, from the function the report uses."""
        from simulator.report import run_gaps  # statistics: loaded on first use

        with self._lock:
            return run_gaps(self._db, run_id)

    def sweep_sessions(self, run_id: str) -> list[SweepSession]:
        """The run's scored sessions as the report reads them (`simulator.report.session_rows`:
        done sessions whose simulated patient passed its check, judge medians and state
        metrics), so the screen's means are the report's."""
        from simulator.report import session_rows  # statistics: loaded on first use

        with self._lock:
            rows = session_rows(self._db, run_id)
        return [
            SweepSession(
                session_id=row["session_id"],
                therapist=row["therapist"] or "?",
                severity=row["severity"],
                persona_id=row["persona_id"],
                twin_group=row["twin_group"],
                demographics=row["demographics"],
                scores=row["scores"],
            )
            for row in rows
        ]


def _package_scores(record: SessionRecord) -> list[judging.MetricSummary]:
    """The judges package's own aggregates of the session's latest panel."""
    # imported on first use: the judges package is heavy and the TUI starts without it
    from simulator.judges.storage import record_summary

    try:
        summary = record_summary(record)
    except Exception:  # noqa: BLE001 - scores in a shape the panel does not write: ours instead
        return []
    scores = summary.get("scores")
    return judging.summaries_from_scores(scores) if isinstance(scores, dict) else []


def _patient_check(record: SessionRecord) -> str:
    """The simulator check in a few words, for the Live and Replay status lines."""
    from simulator.judges import record_validity  # the detectors' code: loaded on first use

    validity = record_validity(record)
    if not validity.checked:
        return ""
    if validity.valid:
        return "patient ok"
    return "patient FAILED: " + ", ".join(sorted({p.check for p in validity.problems}))
