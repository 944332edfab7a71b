"""A read-only connection to the runs DB, for readers on their own thread (the TUI's screens)
while a writer (a live session, a sweep) commits through another connection."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils


def open_read_only(path: str | Path) -> sqlite_utils.Database:
    """A connection that never writes (query_only) and waits out a writer's lock."""
    conn = sqlite3.connect(Path(path), timeout=30, check_same_thread=False)
    conn.execute("pragma query_only = 1")
    conn.execute("pragma busy_timeout = 30000")
    return sqlite_utils.Database(conn)


def data_version(db: sqlite_utils.Database) -> int:
    """A number that moves whenever another connection commits (this one never writes)."""
    return db.execute("pragma data_version").fetchone()[0]
