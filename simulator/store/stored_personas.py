"""The persona JSON stored with sessions (table `personas`, keyed by persona id)."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

import sqlite_utils

from simulator.store.rows import fetch_dicts, placeholders


def stored_persona_json(db: sqlite_utils.Database, persona_id: str) -> str | None:
    """The persona's stored JSON text, or None when no persona has this id."""
    rows = fetch_dicts(db, "select json from personas where id = ?", [persona_id])
    return rows[0]["json"] if rows else None


def stored_personas(db: sqlite_utils.Database, persona_ids: Collection[str]) -> dict[str, dict]:
    """Persona id -> parsed JSON for the ids stored ({} for a row that is not a JSON object)."""
    ids = list(persona_ids)
    if not ids:
        return {}
    rows = fetch_dicts(db, f"select id, json from personas where id in ({placeholders(ids)})", ids)
    return {row["id"]: _object(row["json"]) for row in rows}


def _object(raw: str | None) -> dict[str, Any]:
    try:
        data = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
