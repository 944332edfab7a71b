"""Canonical JSON and content hashes: the basis of stable ids and of every seeded choice.

Python's hash() is salted per process and set order is arbitrary, so neither is used for
anything that must repeat across processes; sha256 over canonical JSON is.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(data: Any) -> str:
    """One spelling per value: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(data: Any) -> str:
    """Hex sha256 of the canonical JSON of `data`."""
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def stable_seed(*parts: Any) -> int:
    """A 64-bit seed derived from `parts`, identical in every process."""
    return int(digest(list(parts))[:16], 16)
