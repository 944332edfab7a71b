"""What in-process providers (local, scripted) may know about the call beyond its messages.

Remote providers see only the messages. The embedded model needs the role (to pick its
KV-cached instance) and the speaker label to continue; scripted test doubles may also read the
session context the engine passes (current step, patient state), which keeps them small and
deterministic. The gateway sets this around each call; it never leaves the process.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CallContext:
    role: str
    seed: int | None = None
    json_schema: dict | None = None
    context: dict[str, Any] = field(default_factory=dict)


current_call: contextvars.ContextVar[CallContext | None] = contextvars.ContextVar(
    "patientsim_current_call", default=None
)
