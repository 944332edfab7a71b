"""A stored session with its judging: the JSON that `run --json`, `resume`, `fork` and
`runs show --json` print, and `runs export` writes (one object per session)."""

from __future__ import annotations

import sqlite_utils

from simulator.judges import judgment_summary, record_validity
from simulator.session.summary import session_summary
from simulator.store.session_reader import read_session


def judged_summary(db: sqlite_utils.Database, session_id: str) -> dict:
    """The session (turns, states, usage, deterioration), its scores and detector hits, and
    the simulator check of its patient; KeyError when there is no such session."""
    summary = {**session_summary(db, session_id), **judgment_summary(db, session_id)}
    record = read_session(db, session_id)
    if record is not None:
        summary["simulator_check"] = record_validity(record).as_dict()
    return summary
