"""Helpers for the personas tests (a uniquely named module: tests/ has no __init__ files)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHARED_VERA_MH = PROJECT_ROOT.parent / "shared" / "peers" / "vera-mh" / "personas.tsv"


def flatten(data: object, prefix: str = "") -> dict[str, object]:
    """Leaf values by dotted path, so two personas can be compared field by field."""
    if isinstance(data, dict):
        out: dict[str, object] = {}
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(data, list):
        out = {}
        for index, value in enumerate(data):
            out.update(flatten(value, f"{prefix}[{index}]"))
        return out or {prefix: []}
    return {prefix: data}


def changed_paths(before: object, after: object) -> set[str]:
    """Dotted paths whose values differ between two JSON-like values."""
    a, b = flatten(before), flatten(after)
    return {k for k in a.keys() | b.keys() if a.get(k, "<absent>") != b.get(k, "<absent>")}
