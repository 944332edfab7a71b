"""Reading and writing runs, sessions, turns, states and model calls.

Each write commits at once: a crash loses at most the turn in flight. Turn and state rows
are keyed by (session, index) and upserted, so a turn replayed after a crash is stored once.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import sqlite_utils

from simulator.models.usage import CallRecord
from simulator.store.db import now


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def create_run(
    db: sqlite_utils.Database,
    *,
    name: str,
    kind: str,
    spec: dict | None = None,
    run_id: str | None = None,
) -> str:
    from simulator.versions import version_line

    run_id = run_id or new_id("run")
    db["runs"].insert(
        {
            "id": run_id,
            "name": name,
            "kind": kind,
            "status": "running",
            "stop_reason": None,
            "spec_json": json.dumps(spec or {}, sort_keys=True),
            "code_version": version_line(),
            "created_at": now(),
            "finished_at": None,
        }
    )
    return run_id


def finish_run(
    db: sqlite_utils.Database, run_id: str, status: str, stop_reason: str | None = None
) -> None:
    db["runs"].update(run_id, {"status": status, "stop_reason": stop_reason, "finished_at": now()})


def store_persona(db: sqlite_utils.Database, persona_id: str, persona_json: str) -> None:
    db["personas"].insert({"id": persona_id, "json": persona_json}, replace=True)


def store_protocol(db: sqlite_utils.Database, *, protocol_id: str, version: str, text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    db["protocols"].insert(
        {"hash": digest, "id": protocol_id, "version": version, "yaml": text}, replace=True
    )
    return digest


def create_session(db: sqlite_utils.Database, row: dict[str, Any]) -> str:
    session_id = row.get("id") or new_id("ses")
    stamp = now()
    db["sessions"].insert(
        {**row, "id": session_id, "status": "running", "created_at": stamp, "updated_at": stamp}
    )
    return session_id


def update_session(db: sqlite_utils.Database, session_id: str, **fields: Any) -> None:
    db["sessions"].update(session_id, {**fields, "updated_at": now()})


# The three writes below run several times per turn: plain SQL, one commit each, instead of
# sqlite-utils' generic insert (which inspects the table on every call).


def add_turn(db: sqlite_utils.Database, session_id: str, turn: dict) -> None:
    with db.conn:
        db.conn.execute(
            "insert into turns (session_id, idx, speaker, text, step, phase, created_at)"
            " values (?, ?, ?, ?, ?, ?, ?) on conflict (session_id, idx) do update set"
            " speaker = excluded.speaker, text = excluded.text, step = excluded.step, phase = excluded.phase",
            (
                session_id,
                turn["index"],
                turn["speaker"],
                turn["text"],
                turn.get("step"),
                turn.get("phase"),
                now(),
            ),
        )


def add_state(db: sqlite_utils.Database, session_id: str, state: dict) -> None:
    with db.conn:
        db.conn.execute(
            "insert or replace into patient_states (session_id, turn, step, suds, belief, risk, engagement,"
            " avoidance_reinforced, events_json) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                session_id,
                state["turn"],
                state.get("step"),
                state.get("suds"),
                state.get("belief"),
                state.get("risk"),
                state.get("engagement"),
                int(bool(state.get("avoidance_reinforced"))),
                json.dumps(state.get("events", [])),
            ),
        )


def add_call(db: sqlite_utils.Database, record: CallRecord) -> None:
    with db.conn:
        db.conn.execute(
            "insert into model_calls (session_id, role, model, prompt_tokens, completion_tokens, latency_ms,"
            " cost_usd, ok, error, attempt, cache_hit, created_at)"
            " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.session_id,
                record.role,
                record.model,
                record.prompt_tokens,
                record.completion_tokens,
                record.latency_ms,
                record.cost_usd,
                int(record.ok),
                record.error,
                record.attempt,
                int(record.cache_hit),
                now(),
            ),
        )


def session_row(db: sqlite_utils.Database, session_id: str) -> dict | None:
    rows = list(db["sessions"].rows_where("id = ?", [session_id]))
    return rows[0] if rows else None


def session_turns(db: sqlite_utils.Database, session_id: str) -> list[dict]:
    return [
        {
            "index": r["idx"],
            "speaker": r["speaker"],
            "text": r["text"],
            "step": r["step"],
            "phase": r["phase"],
        }
        for r in db["turns"].rows_where("session_id = ?", [session_id], order_by="idx")
    ]


def session_states(db: sqlite_utils.Database, session_id: str) -> list[dict]:
    return [
        {
            "turn": r["turn"],
            "step": r["step"],
            "suds": r["suds"],
            "belief": r["belief"],
            "risk": r["risk"],
            "engagement": r["engagement"],
            "avoidance_reinforced": bool(r["avoidance_reinforced"]),
            "events": json.loads(r["events_json"] or "[]"),
        }
        for r in db["patient_states"].rows_where("session_id = ?", [session_id], order_by="turn")
    ]


def session_usage(db: sqlite_utils.Database, session_id: str) -> dict:
    row = db.execute(
        "select count(*), coalesce(sum(prompt_tokens),0), coalesce(sum(completion_tokens),0),"
        " coalesce(sum(cost_usd),0), coalesce(sum(1-ok),0) from model_calls where session_id = ?",
        [session_id],
    ).fetchone()
    return {
        "calls": row[0],
        "prompt_tokens": row[1],
        "completion_tokens": row[2],
        "cost_usd": round(row[3], 6),
        "failed_calls": row[4],
    }


def list_sessions(
    db: sqlite_utils.Database, *, run_id: str | None = None, limit: int | None = None
) -> list[dict]:
    where, params = ("where run_id = ?", [run_id]) if run_id else ("", [])
    sql = (
        "select session_id, run_id, run_name, external_id, status, protocol, persona, therapist, turns,"
        f" end_reason, created_at from session_overview {where} order by created_at desc, session_id desc"
    )
    if limit:
        sql += f" limit {int(limit)}"
    cursor = db.execute(sql, params)
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
