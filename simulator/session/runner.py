"""Run, resume and fork sessions: the graph, the store and the checkpoints together."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import sqlite_utils

from simulator.models.errors import ModelError
from simulator.models.usage import recording_to
from simulator.session import dynamics
from simulator.session.config import ModelRef, SessionConfig
from simulator.session.errors import SessionInputError
from simulator.session.events import SessionEnded, SessionStarted, Subscriber
from simulator.session.graph import session_graph
from simulator.session.nodes import SessionNodes
from simulator.session.state import GraphState
from simulator.store import records


def checkpoints_path_for(db_path: Path) -> Path:
    return Path(db_path).with_name("checkpoints.db")


@asynccontextmanager
async def open_checkpoints(path: Path) -> AsyncIterator:
    import aiosqlite
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    path.parent.mkdir(parents=True, exist_ok=True)
    async with aiosqlite.connect(str(path), timeout=30) as conn:
        # WAL + normal sync: a commit per checkpoint without an fsync each time
        await conn.execute("pragma journal_mode=wal")
        await conn.execute("pragma synchronous=normal")
        saver = AsyncSqliteSaver(conn)
        await saver.setup()
        yield saver


def load_persona(persona_json: str):
    from personas import Persona

    return Persona.model_validate_json(persona_json)


def load_protocol(ref: str):
    from protocols import load_protocol as _load

    return _load(ref)


def _initial_state(persona, protocol) -> GraphState:
    clinical = persona.clinical
    belief = getattr(clinical, "belief", None) if str(persona.modality) == "cbt" else None
    patient = dynamics.PatientState.initial(
        suds=clinical.baseline_suds,
        risk=str(clinical.risk),
        belief=belief,
        engagement=persona.style.engagement / 100,
    ).as_dict()
    return {
        "transcript": [],
        "step": protocol.start,
        "turns_in_step": 0,
        "exchanges": 0,
        "patient": patient,
        "initial_patient": patient,
        "fired": [],
        "due_events": [],
        "step_done": False,
        "crisis_unanswered": 0,
        "invalidations": 0,
        "end_reason": None,
        "report": None,
    }


def _graph_config(session_id: str, max_turns: int) -> dict:
    return {"configurable": {"thread_id": session_id}, "recursion_limit": max_turns * 3 + 10}


def create_session(
    db: sqlite_utils.Database,
    config: SessionConfig,
    *,
    run_id: str | None = None,
    parent_id: str | None = None,
    fork_turn: int | None = None,
    severity: str | None = None,
) -> str:
    """Store the session row (status running) with its persona and protocol; nothing runs yet."""
    persona = load_persona(config.persona_json)
    protocol = load_protocol(config.protocol)
    records.store_persona(db, persona.id, persona.to_json())
    source = getattr(protocol, "source", None)
    protocol_text = (
        Path(source).read_text(encoding="utf-8") if source else protocol.model_dump_json()
    )
    protocol_hash = records.store_protocol(
        db, protocol_id=protocol.id, version=str(protocol.version), text=protocol_text
    )
    return records.create_session(
        db,
        {
            "run_id": run_id,
            "parent_id": parent_id,
            "fork_turn": fork_turn,
            "persona_id": persona.id,
            "protocol_id": protocol.id,
            "protocol_version": str(protocol.version),
            "protocol_hash": protocol_hash,
            "therapist_label": config.therapist_label or config.therapist.model,
            "therapist_model": config.therapist.model,
            "patient_model": config.patient.model,
            "tracker_model": config.tracker.model,
            "mode": config.mode,
            "severity": severity or str(persona.severity),
            "seed": config.seed,
            "max_turns": config.max_turns,
            "config_json": config.model_dump_json(),
        },
    )


async def run_session(
    db: sqlite_utils.Database,
    session_id: str,
    checkpoints,
    *,
    subscribers: Sequence[Subscriber] = (),
    resume: bool = False,
    start_values: GraphState | None = None,
) -> dict:
    """Drive a stored session to its end. Returns the session row as stored at the end."""
    row = records.session_row(db, session_id)
    config = SessionConfig.model_validate_json(row["config_json"])
    persona, protocol = load_persona(config.persona_json), load_protocol(config.protocol)
    nodes = SessionNodes(session_id, config, persona, protocol, db, list(subscribers))
    graph = session_graph(checkpoints)
    graph_config = _graph_config(session_id, config.max_turns)
    nodes.emit(
        SessionStarted(
            session_id,
            protocol.id,
            persona.id,
            config.therapist.model,
            config.patient.model,
            config.mode,
            config.max_turns,
        )
    )
    records.update_session(db, session_id, status="running", end_reason=None, error=None)
    has_checkpoint = resume and (await graph.aget_state(graph_config)).values
    if start_values is not None:
        await graph.aupdate_state(graph_config, start_values, as_node="assess")
        graph_input = None
    else:
        graph_input = None if has_checkpoint else _initial_state(persona, protocol)
    status, end_reason, error = "done", None, None
    try:
        with recording_to(lambda record: records.add_call(db, record)):
            final = await graph.ainvoke(graph_input, graph_config, context=nodes)
        end_reason = final.get("end_reason") or "max_turns"
        summary = dynamics.deterioration(
            dynamics.PatientState(**final["initial_patient"]),
            dynamics.PatientState(**final["patient"]),
            str(persona.modality),
        )
        records.update_session(
            db,
            session_id,
            status=status,
            end_reason=end_reason,
            deteriorated=int(summary["deteriorated"]),
            deterioration_json=json.dumps(summary),
        )
    except (asyncio.CancelledError, KeyboardInterrupt):
        status, end_reason = "stopped", "stopped"
        records.update_session(db, session_id, status=status, end_reason=end_reason)
        raise
    except ModelError as exc:
        status, end_reason, error = "failed", "error", str(exc)
        records.update_session(db, session_id, status=status, end_reason=end_reason, error=error)
    finally:
        stored = records.session_row(db, session_id)
        nodes.emit(
            SessionEnded(
                session_id,
                stored["status"],
                stored["end_reason"] or "",
                len(records.session_turns(db, session_id)),
                None if stored["deteriorated"] is None else bool(stored["deteriorated"]),
                stored["error"],
            )
        )
    return records.session_row(db, session_id)


async def fork_state(
    db: sqlite_utils.Database, parent_id: str, at_turn: int, checkpoints
) -> GraphState:
    """The parent's graph state just before its therapist turn `at_turn` (from the checkpoint history)."""
    row = records.session_row(db, parent_id)
    if row is None:
        raise SessionInputError(f"no session {parent_id}; see `patientsim runs list`")
    if at_turn < 0 or at_turn % 2:
        raise SessionInputError(
            f"--at-turn {at_turn}: must be a therapist turn (an even index: 0, 2, 4, ...)"
        )
    config = SessionConfig.model_validate_json(row["config_json"])
    graph = session_graph(checkpoints)
    async for snapshot in graph.aget_state_history(_graph_config(parent_id, config.max_turns)):
        values = snapshot.values or {}
        if snapshot.next == ("therapist",) and len(values.get("transcript", [])) == at_turn:
            return values
    turns = len(records.session_turns(db, parent_id))
    raise SessionInputError(
        f"--at-turn {at_turn}: session {parent_id} has no therapist turn there (it has {turns} turns)"
    )


def fork_config(parent: dict, *, therapist: str | None, mode: str | None) -> SessionConfig:
    config = SessionConfig.model_validate_json(parent["config_json"])
    changes = {}
    if therapist:
        changes["therapist"] = ModelRef(model=therapist)
        changes["therapist_label"] = therapist
    if mode:
        changes["mode"] = mode
    return config.model_copy(update=changes)


def copy_history(db: sqlite_utils.Database, parent_id: str, child_id: str, at_turn: int) -> None:
    """The child shares the parent's turns 0..at_turn-1 (and the patient states of those turns)."""
    for turn in records.session_turns(db, parent_id)[:at_turn]:
        records.add_turn(db, child_id, turn)
    for state in records.session_states(db, parent_id):
        if state["turn"] < at_turn:
            records.add_state(db, child_id, state)
