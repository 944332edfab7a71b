"""Take secrets out of text a provider sent back before it is stored, logged or printed.

A provider error can echo the request, headers included (`Authorization: Bearer sk-...`).
Redacted: bearer tokens, `sk-`-style keys, `api_key=...` pairs, and the value of every
environment variable whose name says it holds a secret (..._KEY, ..._TOKEN, ..._SECRET).
"""

from __future__ import annotations

import os
import re

MASK = "[redacted]"
_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=\-]{8,}"),
    re.compile(r"\b(sk-|sk_|pk-|rk-)[A-Za-z0-9_\-]{8,}"),
    re.compile(
        r"(?i)((?:api[_-]?key|x-api-key|authorization|token)[\"']?\s*[:=]\s*[\"']?)[^\s\"',;]{6,}"
    ),
)
_SECRET_NAME = re.compile(r"(?i)(KEY|TOKEN|SECRET|PASSWORD)$")


def _secret_values() -> list[str]:
    return sorted(
        (v for k, v in os.environ.items() if _SECRET_NAME.search(k) and len(v) >= 8),
        key=len,
        reverse=True,
    )


def redact(text: str) -> str:
    for value in _secret_values():
        text = text.replace(value, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + MASK, text)
    return text
