"""Load a stored session from the runs DB as a SessionView (turns, steps, risk, modality)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import sqlite_utils
import yaml

from simulator.judges.errors import JudgeError
from simulator.judges.view import SessionView, build_view, steps_from_protocol
from simulator.store import session_row, session_states, session_turns

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it


def load_session_view(db: sqlite_utils.Database, session_id: str) -> SessionView:
    row = session_row(db, session_id)
    if row is None:
        raise JudgeError(
            f"unknown session {session_id!r}; list stored sessions with `patientsim runs list`"
        )
    protocol = stored_protocol(db, row.get("protocol_hash"))
    persona = stored_persona(db, row.get("persona_id"))
    clinical = persona.get("clinical", {}) if isinstance(persona, dict) else {}
    modality = (
        str(protocol.modality) if protocol is not None else str(clinical.get("modality") or "other")
    )
    return build_view(
        session_turns(db, session_id),
        session_states(db, session_id),
        steps=steps_from_protocol(protocol) if protocol is not None else None,
        modality=modality,
        baseline_risk=str(clinical.get("risk") or "none"),
        session_id=session_id,
        protocol_name=protocol.name if protocol is not None else None,
    )


def stored_protocol(db: sqlite_utils.Database, protocol_hash: str | None) -> Any | None:
    """The session's protocol (a `protocols.Protocol`), or None if absent or unreadable."""
    if not protocol_hash or not db["protocols"].exists():
        return None
    rows = list(db["protocols"].rows_where("hash = ?", [protocol_hash]))
    if not rows:
        return None
    return _parsed_protocol(rows[0]["yaml"], f"protocol {rows[0]['id']}")


@lru_cache(maxsize=32)
def _parsed_protocol(text: str, source: str) -> Any | None:
    """Parsing and validating a protocol takes ~0.1 s and a sweep's sessions share a few
    protocols; Protocol is frozen, so one parsed copy per stored text is shared."""
    from protocols import ProtocolError, protocol_from_data

    try:
        return protocol_from_data(yaml.load(text, Loader=SafeLoader), source)
    except (ProtocolError, yaml.YAMLError):
        return None  # judged without step context rather than not at all


def stored_persona(db: sqlite_utils.Database, persona_id: str | None) -> dict:
    if not persona_id or not db["personas"].exists():
        return {}
    rows = list(db["personas"].rows_where("id = ?", [persona_id]))
    try:
        return json.loads(rows[0]["json"]) if rows else {}
    except (TypeError, ValueError):
        return {}
