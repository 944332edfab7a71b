"""A stored session with its judging: the JSON that `run --json`, `resume`, `fork` and
`runs show --json` print, and `runs export` writes (one object per session)."""

from __future__ import annotations

import sqlite_utils

from simulator.judges import judgment_summary
from simulator.session.summary import session_summary


def judged_summary(db: sqlite_utils.Database, session_id: str) -> dict:
    """The session (turns, states, usage, deterioration) and its scores and detector hits;
    KeyError when there is no such session."""
    return {**session_summary(db, session_id), **judgment_summary(db, session_id)}
