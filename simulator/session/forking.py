"""Fork a stored session at a therapist turn: same patient and history up to there, then a
different therapist, mode or protocol. The fork runs on its parent's stored protocol unless
it is given another one, which is then read from its file, stored, and named in a note."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from simulator.session import pinning
from simulator.session.config import ModelRef, SessionConfig
from simulator.session.errors import SessionInputError
from simulator.session.graph import session_graph
from simulator.session.runner import graph_config_for
from simulator.session.state import GraphState
from simulator.store import records
from simulator.store.pinned import StoredProtocol


@dataclass(frozen=True)
class Fork:
    """What a fork changes from `at_turn` on (None keeps the parent's)."""

    parent: dict  # the parent's session row
    at_turn: int
    therapist: str | None = None
    mode: str | None = None
    protocol: str | None = None  # a built-in name or a protocol FILE


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
    async for snapshot in graph.aget_state_history(graph_config_for(parent_id, config.max_turns)):
        values = snapshot.values or {}
        if snapshot.next == ("therapist",) and len(values.get("transcript", [])) == at_turn:
            return values
    turns = len(records.session_turns(db, parent_id))
    raise SessionInputError(
        f"--at-turn {at_turn}: session {parent_id} has no therapist turn there (it has {turns} turns)"
    )


def fork_config(fork: Fork) -> SessionConfig:
    config = SessionConfig.model_validate_json(fork.parent["config_json"])
    changes: dict = {}
    if fork.therapist:
        changes["therapist"] = ModelRef(model=fork.therapist)
        changes["therapist_label"] = fork.therapist
    if fork.mode:
        changes["mode"] = fork.mode
    if fork.protocol:
        changes["protocol"] = fork.protocol
    return config.model_copy(update=changes)


def fork_protocol(
    db: sqlite_utils.Database, fork: Fork, start: GraphState
) -> tuple[StoredProtocol, list[str]]:
    """The protocol the fork runs on, and the note that says when it is not the parent's."""
    parent = pinning.pinned(db, fork.parent)
    if not fork.protocol:
        return parent, []
    protocol = pinning.read_protocol(fork.protocol)
    step = start.get("step")
    if step not in protocol.step_ids:
        raise SessionInputError(
            f"--protocol {fork.protocol}: has no step {step!r}, where the parent was at turn "
            f"{fork.at_turn}; fork at a turn whose step both protocols share"
        )
    child = pinning.pin_protocol(db, protocol)
    return child, list(filter(None, [pinning.fork_note(fork.protocol, parent, child)]))


def copy_history(db: sqlite_utils.Database, parent_id: str, child_id: str, at_turn: int) -> None:
    """The child shares the parent's turns 0..at_turn-1 (and the patient states of those turns)."""
    for turn in records.session_turns(db, parent_id)[:at_turn]:
        records.add_turn(db, child_id, turn)
    for state in records.session_states(db, parent_id):
        if state["turn"] < at_turn:
            records.add_state(db, child_id, state)
