"""Store external conversations (a team's own chatbot logs) as sessions, ready to be judged.

Formats:
- `jsonl`: one JSON object per line, `{"session": KEY, "speaker": "patient"|"therapist",
  "text": ...}`, optionally with `"step"` (a step id of the `--protocol`) or `"phase"` (one of
  its phases); each distinct KEY becomes one session whose external_id is KEY. Without steps,
  the protocol's step cues place the therapist turns on its steps when the session is judged.
- `vera-mh`: VERA-MH's plain-text conversation files, one conversation per file (its
  external_id is the file name without extension). A turn starts with `user: ` (the patient)
  or `agent: ` (the chatbot), labels in any case, and runs until the next label.

Every bad line is reported as `FILE:LINE: ...` (an unknown speaker, an empty turn, a step or
phase the protocol does not have) and then nothing is stored: a half-stored transcript would
be judged as if it were whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from simulator.judges.errors import JudgeError
from simulator.judges.stored_session import INGEST_MODE
from simulator.store import (
    add_turn,
    create_run,
    create_session,
    finish_run,
    store_persona,
    store_protocol,
    update_session,
)
from simulator.store.statuses import EndReason, RunStatus, SessionStatus
from simulator.store.stored_personas import stored_persona_json

FORMATS = ("jsonl", "vera-mh")
SPEAKERS = ("patient", "therapist")
MAX_FILE_BYTES = 50_000_000
_VERA_LABEL = re.compile(r"^(user|agent)\s*:\s?(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class ExternalTurn:
    speaker: str
    text: str
    where: str  # FILE:LINE
    step: str | None = None
    phase: str | None = None


@dataclass
class Conversation:
    """One external conversation: its key and its turns."""

    key: str
    source: str  # FILE:LINE where it starts
    turns: list[ExternalTurn] = field(default_factory=list)


@dataclass
class IngestResult:
    run_id: str | None
    stored: list[dict[str, Any]]
    problems: list[str]


def parse_file(path: str | Path, fmt: str) -> tuple[list[Conversation], list[str]]:
    """Conversations in one file, and a `FILE:LINE: ...` problem for every line skipped."""
    if fmt not in FORMATS:
        raise JudgeError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    path = Path(path)
    text, problem = _read(path, ".jsonl" if fmt == "jsonl" else ".txt")
    if text is None:
        return [], [problem]
    return _parse_jsonl(path, text) if fmt == "jsonl" else _parse_vera_mh(path, text)


def _read(path: Path, suffix: str) -> tuple[str | None, str]:
    try:
        if path.is_dir():
            return None, f"{path}: a directory, not a file; pass the files in it ({path}/*{suffix})"
        if not path.is_file():
            return None, f"{path}:1: file not found"
        if path.stat().st_size > MAX_FILE_BYTES:
            return None, f"{path}:1: file is too large (limit {MAX_FILE_BYTES:,} bytes)"
        return path.read_text(encoding="utf-8-sig"), ""
    except UnicodeDecodeError:
        return None, f"{path}:1: not UTF-8 text"
    except OSError as exc:
        return None, f"{path}:1: cannot read the file ({exc.strerror or exc})"


def _parse_jsonl(path: Path, text: str) -> tuple[list[Conversation], list[str]]:
    conversations: dict[str, Conversation] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        except ValueError:  # valid JSON, but an integer over Python's 4,300-digit limit
            problems.append(
                f"{where}: a number too long to read; write the session key as a string"
            )
            continue
        except RecursionError:
            problems.append(f"{where}: JSON nested too deeply; give one flat object per line")
            continue
        problem = _record_problem(record)
        if problem:
            problems.append(f"{where}: {problem}")
            continue
        key = str(record["session"])
        conversation = conversations.setdefault(key, Conversation(key, where))
        conversation.turns.append(
            ExternalTurn(
                record["speaker"], record["text"], where, record.get("step"), record.get("phase")
            )
        )
    if not conversations and not problems:
        problems.append(f"{path}:1: no conversations in the file")
    return list(conversations.values()), problems


def _record_problem(record: Any) -> str | None:
    if not isinstance(record, dict):
        return 'expected a JSON object {"session": ..., "speaker": ..., "text": ...}'
    key = record.get("session")
    if isinstance(key, bool) or not isinstance(key, str | int) or str(key).strip() == "":
        return 'missing "session" (the conversation key, a string)'
    if record.get("speaker") not in SPEAKERS:
        return f'"speaker" must be "patient" or "therapist", not {record.get("speaker")!r}'
    if not isinstance(record.get("text"), str) or not record["text"].strip():
        return 'missing "text" (the turn, a non-empty string)'
    for name in ("step", "phase"):
        if record.get(name) is not None and not isinstance(record[name], str):
            return f'"{name}" must be a string (an id from the protocol), not {record[name]!r}'
    for name in ("session", "text"):
        if not _is_utf8(str(record[name])):
            # a lone surrogate escape (\ud800): valid JSON, but no database can store it
            return f'"{name}" holds a lone surrogate escape (\\udXXX); fix or remove it'
    return None


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _parse_vera_mh(path: Path, text: str) -> tuple[list[Conversation], list[str]]:
    problems: list[str] = []
    conversation = Conversation(path.stem, f"{path}:1")
    current: list[str] | None = None
    speaker = ""
    start_line = 0
    stray_reported = False

    def close_turn() -> None:
        if current is None:
            return
        body = "\n".join(current).strip()
        if body:
            conversation.turns.append(ExternalTurn(speaker, body, f"{path}:{start_line}"))
        else:
            problems.append(
                f"{path}:{start_line}: empty turn (a label with no text); write what was said"
            )

    for number, line in enumerate(text.splitlines(), start=1):
        match = _VERA_LABEL.match(line)
        if match:
            close_turn()
            speaker = "patient" if match[1].lower() == "user" else "therapist"
            current, start_line = [match[2]], number
        elif current is not None:
            current.append(line)
        elif line.strip() and not stray_reported:
            problems.append(
                f"{path}:{number}: text before the first `user:` or `agent:` label; "
                "start each turn with `user: ` or `agent: `"
            )
            stray_reported = True
    close_turn()
    if not conversation.turns:
        problems.append(f"{path}:1: no turns found (each turn starts with `user: ` or `agent: `)")
        return [], problems
    return [conversation], problems


def store_conversations(
    db: sqlite_utils.Database,
    conversations: Sequence[Conversation],
    *,
    run_name: str,
    fmt: str,
    protocol: str | None = None,
    persona: str | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """One run of kind `ingest`; one finished session per conversation. Returns (run id, rows)."""
    protocol_fields = _protocol_fields(db, protocol) if protocol else {}
    persona_fields = _persona_fields(db, persona) if persona else {}
    run_id = create_run(
        db,
        name=run_name,
        kind="ingest",
        spec={"format": fmt, "protocol": protocol, "persona": persona},
    )
    stored = []
    for conversation in conversations:
        session_id = create_session(
            db,
            {
                "run_id": run_id,
                "external_id": conversation.key,
                "therapist_label": "external",
                "therapist_model": "external",
                "mode": INGEST_MODE,
                "max_turns": len(conversation.turns),
                "config_json": json.dumps({"source": conversation.source, "format": fmt}),
                **protocol_fields,
                **persona_fields,
            },
        )
        for index, turn in enumerate(conversation.turns):
            add_turn(
                db,
                session_id,
                {
                    "index": index,
                    "speaker": turn.speaker,
                    "text": turn.text,
                    "step": turn.step,
                    "phase": turn.phase,
                },
            )
        update_session(db, session_id, status=SessionStatus.DONE, end_reason=EndReason.INGESTED)
        stored.append(
            {
                "session_id": session_id,
                "external_id": conversation.key,
                "turns": len(conversation.turns),
                "source": conversation.source,
            }
        )
    finish_run(db, run_id, RunStatus.DONE)
    return run_id, stored


def ingest_files(
    db: sqlite_utils.Database,
    paths: Sequence[str | Path],
    fmt: str,
    *,
    protocol: str | None = None,
    persona: str | None = None,
) -> IngestResult:
    """Parse every file and store all of it, or report every bad line and store nothing."""
    conversations: list[Conversation] = []
    problems: list[str] = []
    for path in paths:
        found, bad = parse_file(path, fmt)
        conversations += found
        problems += bad
    problems += _step_problems(conversations, protocol)
    if problems and conversations:
        problems.append("nothing was stored; fix the lines above and ingest again")
    if problems or not conversations:
        return IngestResult(None, [], problems)
    names = ", ".join(Path(p).name for p in paths)
    run_id, stored = store_conversations(
        db,
        _merge(conversations),
        run_name=f"ingest {names}",
        fmt=fmt,
        protocol=protocol,
        persona=persona,
    )
    return IngestResult(run_id, stored, problems)


def _step_problems(conversations: list[Conversation], protocol: str | None) -> list[str]:
    """Steps and phases given per line must belong to the --protocol; each turn with a step
    gets that step's phase."""
    given = [t for c in conversations for t in c.turns if t.step or t.phase]
    if not given:
        return []
    if protocol is None:
        return [f"{given[0].where}: a step or phase needs --protocol NAME (the protocol it is in)"]
    from protocols import load_protocol

    steps = load_protocol(protocol)  # ProtocolError (exit 2) when unknown or invalid
    phases = {s.phase for s in steps.steps}
    problems = []
    for conversation in conversations:
        for position, turn in enumerate(conversation.turns):
            if turn.step is not None and turn.step not in steps.step_ids:
                problems.append(
                    f"{turn.where}: step {turn.step!r} is not a step of protocol {steps.id} "
                    f"(steps: {', '.join(steps.step_ids)})"
                )
            elif turn.step is not None:
                conversation.turns[position] = ExternalTurn(
                    turn.speaker, turn.text, turn.where, turn.step, steps.phase_of(turn.step)
                )
            elif turn.phase is not None and turn.phase not in phases:
                problems.append(
                    f"{turn.where}: phase {turn.phase!r} is not a phase of protocol {steps.id} "
                    f"(phases: {', '.join(sorted(phases))})"
                )
    return problems


def _merge(conversations: list[Conversation]) -> list[Conversation]:
    """The same key in several files is one conversation, in file order."""
    merged: dict[str, Conversation] = {}
    for conversation in conversations:
        if conversation.key in merged:
            merged[conversation.key].turns += conversation.turns
        else:
            merged[conversation.key] = Conversation(
                conversation.key, conversation.source, list(conversation.turns)
            )
    return list(merged.values())


def _protocol_fields(db: sqlite_utils.Database, name_or_path: str) -> dict[str, Any]:
    from protocols import load_protocol

    protocol = load_protocol(name_or_path)  # ProtocolError (exit 2) when unknown or invalid
    source = protocol.source
    if source is not None and source.suffix in (".yaml", ".yml"):
        text = source.read_text(encoding="utf-8")
    else:  # node-link JSON or in-memory: store the protocol itself as YAML
        import yaml

        text = yaml.safe_dump(protocol.model_dump(mode="json"), sort_keys=False)
    digest = store_protocol(db, protocol_id=protocol.id, version=protocol.version, text=text)
    return {
        "protocol_id": protocol.id,
        "protocol_version": protocol.version,
        "protocol_hash": digest,
    }


def _persona_fields(db: sqlite_utils.Database, file_or_id: str) -> dict[str, Any]:
    path = Path(file_or_id)
    if path.is_file():
        from personas import load_personas

        people = load_personas(path)  # PersonaError (exit 2) on bad files
        if len(people) != 1:
            raise JudgeError(
                f"{path}:1: holds {len(people)} personas; give a file with one persona, "
                "or the id of a stored persona"
            )
        person = people[0]
        store_persona(db, person.id, person.to_json())
        return {"persona_id": person.id, "severity": person.model_dump(mode="json")["severity"]}
    stored = stored_persona_json(db, file_or_id)
    if stored is None:
        raise JudgeError(
            f"{file_or_id}: not a persona file and no stored persona has this id; "
            "give a persona file (YAML, JSON or JSONL with one persona)"
        )
    severity = json.loads(stored).get("severity")
    return {"persona_id": file_or_id, "severity": severity}
