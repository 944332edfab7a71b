"""Regular expressions users write in YAML (detector rules, protocol step cues): checked once."""

from __future__ import annotations

import re


def checked_patterns(patterns: list[str]) -> list[str]:
    """`patterns` unchanged if each compiles; ValueError naming the first that does not."""
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc
    return patterns
