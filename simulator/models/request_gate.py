"""An optional gate every remote request attempt passes through (a sweep's per-provider
parallelism and request-rate limits)."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AbstractContextManager

from simulator.models.context_slot import holding

# An async context manager entered around every request attempt, given the provider name.
RequestGate = Callable[[str], AbstractAsyncContextManager]
_request_gate: contextvars.ContextVar[RequestGate | None] = contextvars.ContextVar(
    "patientsim_request_gate", default=None
)


def gating_requests(gate: RequestGate) -> AbstractContextManager[RequestGate]:
    """Pass every model request made in this context (and the tasks it starts) through `gate`."""
    return holding(_request_gate, gate)


def current_gate() -> RequestGate | None:
    return _request_gate.get()
