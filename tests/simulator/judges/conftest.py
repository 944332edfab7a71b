"""Fixtures for the judges tests: a fresh runs DB and sessions stored from reference transcripts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from simulator.cli.main import main
from simulator.judges import load_references
from simulator.judges.references import ReferenceTranscript
from simulator.models.scripted import behaviours
from simulator.store import (
    add_state,
    add_turn,
    create_run,
    create_session,
    open_db,
    store_persona,
    store_protocol,
    update_session,
)


@pytest.fixture(scope="session")
def references() -> dict[str, ReferenceTranscript]:
    return {r.id: r for r in load_references()}


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "runs.db"


@pytest.fixture
def db(db_path):
    database = open_db(db_path)
    yield database
    database.conn.close()


def store_reference(db, reference: ReferenceTranscript, run_id: str | None = None) -> str:
    """Store a reference transcript as a finished session, with its protocol and baseline risk."""
    from protocols import resolve_protocol

    run_id = run_id or create_run(db, name="test", kind="test")
    fields = {}
    if reference.protocol:
        path = resolve_protocol(reference.protocol)
        digest = store_protocol(
            db, protocol_id=reference.protocol, version="1", text=Path(path).read_text("utf-8")
        )
        fields = {"protocol_id": reference.protocol, "protocol_hash": digest}
    persona_id = f"p-{reference.id}"
    clinical = {"modality": reference.modality, "risk": reference.baseline_risk}
    store_persona(db, persona_id, json.dumps({"clinical": clinical}))
    session_id = create_session(db, {"run_id": run_id, "persona_id": persona_id, **fields})
    for turn in reference.stored_turns():
        add_turn(db, session_id, turn)
    for state in reference.stored_states():
        add_state(db, session_id, state)
    update_session(db, session_id, status="done", end_reason="test")
    return session_id


@pytest.fixture
def stored(db, references):
    """store(reference_id) -> session id."""
    return lambda reference_id, run_id=None: store_reference(db, references[reference_id], run_id)


@pytest.fixture
def behaviour(monkeypatch):
    """Register a scripted behaviour for one test: behaviour("name", function)."""

    def register(name: str, function) -> str:
        monkeypatch.setitem(behaviours.BEHAVIOURS, name, function)
        return f"scripted/{name}"

    return register


@pytest.fixture
def cli(monkeypatch, capsys):
    """cli(*args) -> (exit code, stdout, stderr), through main() as the console script runs it."""

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["patientsim", *map(str, args)])
        with pytest.raises(SystemExit) as stop:
            main()
        out, err = capsys.readouterr()
        return stop.value.code, out, err

    return run
