"""Shared bits of the reliability tests: sweep specs on the loopback server, running them."""

from __future__ import annotations

import sqlite3
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import yaml

CLI = [sys.executable, "-m", "simulator.cli.main"]


def remote(model: str, base_url: str, key_env: str | None = None) -> dict[str, Any]:
    """A model choice pointing at a loopback server, as a user writes it in a sweep spec."""
    choice: dict[str, Any] = {"model": model, "api_base": base_url}
    if key_env:
        choice["api_key_env"] = key_env
    return choice


def write_spec(directory: Path, data: dict[str, Any], name: str = "spec.yaml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def integrity(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("pragma integrity_check").fetchone()[0]


def rows(db_path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Read with a fresh connection, closed at once (none may be open across a fork)."""
    with closing(sqlite3.connect(db_path, timeout=10)) as conn:
        return conn.execute(sql, params).fetchall()
