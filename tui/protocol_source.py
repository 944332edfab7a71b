"""The protocol a stored session ran: its stored text first (files move), its name second."""

from __future__ import annotations

import json


def protocol_for(text: str | None, ref: str):
    """A Protocol, or None when neither the stored text nor the name gives one."""
    import yaml

    from protocols import ProtocolError, load_protocol, protocol_from_data

    if text:
        try:
            data = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
            return protocol_from_data(data, source=ref)
        except (ProtocolError, ValueError, yaml.YAMLError):
            pass
    try:
        return load_protocol(ref)
    except ProtocolError:
        return None
