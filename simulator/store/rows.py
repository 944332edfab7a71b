"""Small helpers the store's readers share: rows as dicts, `in (...)` placeholders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlite_utils


def fetch_dicts(
    db: sqlite_utils.Database, sql: str, params: Sequence[Any] = ()
) -> list[dict[str, Any]]:
    cursor = db.execute(sql, list(params))
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def fetch_value(db: sqlite_utils.Database, sql: str, params: Sequence[Any] = ()) -> Any:
    """The first column of the first row (None when there is no row)."""
    row = db.execute(sql, list(params)).fetchone()
    return row[0] if row else None


def placeholders(values: Sequence[Any]) -> str:
    """`?, ?, ?` for an `in (...)` over `values` (callers keep lists to one page)."""
    return ", ".join("?" for _ in values)
