"""A stored session as a SessionView (turns, steps, risk, modality), built from its one typed
record (`simulator.store.read_session`): the protocol text and persona it stored, never
today's file of the same name."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sqlite_utils

from simulator.judges.errors import JudgeError
from simulator.judges.validity import Validity, check_simulator
from simulator.judges.view import SessionView, build_view, place_on_steps, steps_from_protocol
from simulator.store.pinned import StoredProtocol
from simulator.store.session_reader import read_session
from simulator.store.session_record import SessionRecord

INGEST_MODE = "ingest"  # sessions stored by `patientsim ingest`: no simulated patient


def load_session_view(db: sqlite_utils.Database, session_id: str) -> SessionView:
    record = read_session(db, session_id)
    if record is None:
        raise JudgeError(
            f"unknown session {session_id!r}; list stored sessions with `patientsim runs list`"
        )
    return view_of_record(record)


def view_of_record(record: SessionRecord) -> SessionView:
    protocol = parsed_protocol(record.protocol)
    clinical = record.persona.get("clinical")
    clinical = clinical if isinstance(clinical, dict) else {}
    modality = (
        str(protocol.modality) if protocol is not None else str(clinical.get("modality") or "other")
    )
    return build_view(
        place_on_steps([turn.as_dict() for turn in record.turns], protocol),
        [state.as_dict() for state in record.states],
        steps=steps_from_protocol(protocol) if protocol is not None else None,
        modality=modality,
        baseline_risk=str(clinical.get("risk") or "none"),
        session_id=record.id,
        protocol_name=protocol.name if protocol is not None else None,
    )


def record_validity(record: SessionRecord, view: SessionView | None = None) -> Validity:
    """The simulator-validity check of a stored session (ingested ones are not checked)."""
    return check_simulator(
        view or view_of_record(record),
        [state.as_dict() for state in record.states],
        record.persona,
        simulated=record.meta.mode != INGEST_MODE,
    )


def parsed_protocol(stored: StoredProtocol | None) -> Any | None:
    """The stored protocol as a `protocols.Protocol`, or None if absent or unreadable."""
    if stored is None:
        return None
    return _parsed_protocol(stored.text, f"protocol {stored.id}")


@lru_cache(maxsize=32)
def _parsed_protocol(text: str, source: str) -> Any | None:
    """Parsing and validating a protocol takes ~0.1 s and a sweep's sessions share a few
    protocols; Protocol is frozen, so one parsed copy per stored text is shared."""
    from protocols import ProtocolError, protocol_from_text

    try:
        return protocol_from_text(text, source)
    except ProtocolError:
        return None  # judged without step context rather than not at all
