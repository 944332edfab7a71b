"""The protocol a stored session ran: its stored text first (files move), its name second."""

from __future__ import annotations


def protocol_for(text: str | None, ref: str):
    """A Protocol, or None when neither the stored text nor the name gives one."""
    from protocols import ProtocolError, load_protocol, protocol_from_text

    try:
        return protocol_from_text(text, ref) if text else load_protocol(ref)
    except ProtocolError:
        return None
