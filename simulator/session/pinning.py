"""A session is pinned to the protocol it stored: the file is read once, when the session is new.

Run, resume and fork parse the protocol text stored with the session (by hash); a resume
whose protocol file has changed since continues on the stored text and says so.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import sqlite_utils

from simulator.session.errors import SessionInputError
from simulator.store import records
from simulator.store.pinned import StoredProtocol, protocol_hash, stored_protocol

SHORT_HASH = 12


def read_protocol(ref: str):
    """The protocol file a NEW session starts from (a built-in name or a path)."""
    from protocols import load_protocol

    return load_protocol(ref)


def protocol_text(protocol) -> str:
    """What is stored for a protocol: its file's text, or its JSON when it has no file."""
    source = getattr(protocol, "source", None)
    return Path(source).read_text(encoding="utf-8") if source else protocol.model_dump_json()


def pin_protocol(db: sqlite_utils.Database, protocol) -> StoredProtocol:
    """Store a protocol just read from its file; the session row keeps the returned hash."""
    text = protocol_text(protocol)
    digest = records.store_protocol(
        db, protocol_id=protocol.id, version=str(protocol.version), text=text
    )
    return StoredProtocol(digest, protocol.id, str(protocol.version), text)


def pinned(db: sqlite_utils.Database, row: dict) -> StoredProtocol:
    """The protocol stored with a session row, or a SessionInputError saying it is missing."""
    found = stored_protocol(db, row.get("protocol_hash"))
    if found is None:
        raise SessionInputError(
            f"session {row['id']}: its protocol (hash {short(row.get('protocol_hash'))}) is not "
            "stored in this DB, so it cannot run on it"
        )
    return found


def parse(stored: StoredProtocol):
    """The `protocols.Protocol` of stored text (one parsed copy per text: Protocol is frozen)."""
    return _parsed(stored.text, f"stored protocol {stored.id} ({short(stored.hash)})")


@lru_cache(maxsize=32)
def _parsed(text: str, source: str):
    from protocols import ProtocolError, protocol_from_text

    try:
        return protocol_from_text(text, source)
    except ProtocolError as exc:
        raise SessionInputError(exc.problems) from None


def drift_note(ref: str, stored: StoredProtocol) -> str | None:
    """One line when the file `ref` names no longer holds the stored protocol, else None."""
    from protocols import ProtocolError

    where = f"continuing on the stored protocol (hash {short(stored.hash)})"
    try:
        current = protocol_text(read_protocol(ref))
    except (ProtocolError, OSError):
        return f"note: {ref} cannot be read now; {where}"
    if protocol_hash(current) == stored.hash:
        return None
    return f"note: {ref} changed since this session started; {where}"


def fork_note(ref: str, parent: StoredProtocol, child: StoredProtocol) -> str | None:
    """One line when a fork runs on another protocol than its parent's, else None."""
    if child.hash == parent.hash:
        return None
    return (
        f"note: the fork follows {ref} (hash {short(child.hash)}), not its parent's stored "
        f"protocol (hash {short(parent.hash)})"
    )


def short(digest: str | None) -> str:
    return (digest or "none")[:SHORT_HASH]
