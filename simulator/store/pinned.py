"""The protocol text a session stored when it was created (table `protocols`, keyed by hash).

A session runs, resumes, forks and is judged on this text, never on today's file of the
same name. `protocol_hash` is the digest `records.store_protocol` keys the text by.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import sqlite_utils


@dataclass(frozen=True)
class StoredProtocol:
    hash: str
    id: str
    version: str
    text: str


def protocol_hash(text: str) -> str:
    """The key a protocol's text is stored under (sha256 of its UTF-8 bytes)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stored_protocol(db: sqlite_utils.Database, digest: str | None) -> StoredProtocol | None:
    """The stored protocol with this hash, or None."""
    if not digest or not db["protocols"].exists():
        return None
    rows = list(db["protocols"].rows_where("hash = ?", [digest]))
    if not rows:
        return None
    row = rows[0]
    return StoredProtocol(row["hash"], row["id"], row["version"], row["yaml"])
