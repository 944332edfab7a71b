"""The runs DB (SQLite via sqlite-utils): one file per project, WAL, ordered migrations.

Every SQL statement of patientsim lives in this package. Readers get typed records:
`read_session` (a SessionRecord: meta, persona, protocol, turns with step and phase, states,
model calls, judgments, detector hits) and `read_run` (a RunRecord: the run and its
sessions' rows). Status-like columns read and write as the StrEnums of `statuses`.
"""

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
from simulator.store.run_record import RunRecord, latest_session_id, read_run
from simulator.store.session_reader import read_session, read_sessions, session_protocol
from simulator.store.session_record import (
    HitRecord,
    JudgmentRecord,
    ModelCallRecord,
    SessionMeta,
    SessionRecord,
    StateRecord,
    TurnRecord,
)
from simulator.store.statuses import (
    EndReason,
    JudgmentStatus,
    RunStatus,
    RunStopReason,
    SessionStatus,
)
from simulator.store.stored_personas import stored_persona_json

__all__ = [
    "DEFAULT_DB",
    "EndReason",
    "HitRecord",
    "JudgmentRecord",
    "JudgmentStatus",
    "ModelCallRecord",
    "NotOurDatabase",
    "RunRecord",
    "RunStatus",
    "RunStopReason",
    "SessionMeta",
    "SessionRecord",
    "SessionStatus",
    "StateRecord",
    "TurnRecord",
    "add_call",
    "add_state",
    "add_turn",
    "create_run",
    "create_session",
    "default_db_path",
    "finish_run",
    "latest_session_id",
    "list_sessions",
    "new_id",
    "open_db",
    "read_run",
    "read_session",
    "read_sessions",
    "session_protocol",
    "session_row",
    "session_states",
    "session_turns",
    "session_usage",
    "store_persona",
    "store_protocol",
    "stored_persona_json",
    "update_session",
]
