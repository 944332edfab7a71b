"""Run a session, then judge it: the use case the CLI, the TUI and the sweep executor share.

It stands above `simulator.session` (which runs, resumes and forks sessions and knows nothing
of judging) and `simulator.judges` (which scores stored sessions and knows nothing of how
they ran); both emit the events of `simulator.events`, so one subscriber sees the whole
story: the session live, then the detector hits and each judge's scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sqlite_utils

from simulator.events import Subscriber
from simulator.judges import detect_session, judge_session
from simulator.models import ModelSpec
from simulator.session.config import SessionConfig
from simulator.session.forking import Fork
from simulator.session.service import conduct_session
from simulator.store.statuses import SessionStatus

__all__ = ["Fork", "drive_session", "judge_finished"]


async def drive_session(
    db: sqlite_utils.Database,
    db_path: Path,
    *,
    config: SessionConfig | None = None,
    session_id: str | None = None,
    fork: Fork | None = None,
    subscribers: Sequence[Subscriber] = (),
    judges: Sequence[ModelSpec | str] | None = None,
    run_id: str | None = None,
) -> str:
    """Run a new session (config), resume one (session_id) or fork one (fork); judge it with
    `judges` when it ends done (no judges: not judged). Returns the session id."""
    row = await conduct_session(
        db,
        db_path,
        config=config,
        session_id=session_id,
        fork=fork,
        subscribers=list(subscribers),
        run_id=run_id,
    )
    if judges and row["status"] == SessionStatus.DONE:
        await judge_finished(db, row["id"], judges, subscribers)
    return row["id"]


async def judge_finished(
    db: sqlite_utils.Database,
    session_id: str,
    judges: Sequence[ModelSpec | str] | None,
    subscribers: Sequence[Subscriber] = (),
) -> None:
    """Score a session that has ended: the panel and the detectors, or with no judges the
    detectors alone (they cost no model call)."""
    if judges:
        await judge_session(db, session_id, list(judges), subscribers=subscribers)
    else:
        detect_session(db, session_id)
