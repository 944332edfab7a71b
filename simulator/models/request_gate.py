"""An optional gate every remote request attempt passes through (a sweep's per-provider
parallelism and request-rate limits)."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager

# An async context manager entered around every request attempt, given the provider name.
RequestGate = Callable[[str], AbstractAsyncContextManager]
_request_gate: contextvars.ContextVar[RequestGate | None] = contextvars.ContextVar(
    "patientsim_request_gate", default=None
)


@contextmanager
def gating_requests(gate: RequestGate) -> Iterator[None]:
    """Pass every model request made in this context (and the tasks it starts) through `gate`."""
    token = _request_gate.set(gate)
    try:
        yield
    finally:
        _request_gate.reset(token)


def current_gate() -> RequestGate | None:
    return _request_gate.get()
