"""The runs DB (SQLite via sqlite-utils): one file per project, WAL, ordered migrations."""

from simulator.store.db import DEFAULT_DB, NotOurDatabase, default_db_path, open_db
from simulator.store.records import (
    add_call,
    add_state,
    add_turn,
    create_run,
    create_session,
    finish_run,
    list_sessions,
    new_id,
    session_row,
    session_states,
    session_turns,
    session_usage,
    store_persona,
    store_protocol,
    update_session,
)

__all__ = [
    "DEFAULT_DB",
    "NotOurDatabase",
    "add_call",
    "add_state",
    "add_turn",
    "create_run",
    "create_session",
    "default_db_path",
    "finish_run",
    "list_sessions",
    "new_id",
    "open_db",
    "session_row",
    "session_states",
    "session_turns",
    "session_usage",
    "store_persona",
    "store_protocol",
    "update_session",
]
