"""Per-call usage records and where they go.

The gateway emits one `CallRecord` per model call (retries included) to the sink active in
the current context. A session installs a sink that writes to the runs DB; tests and the
`models` command use `MemorySink`.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field

from simulator.models.call_context import CallContext
from simulator.models.config import ModelSpec
from simulator.models.context_slot import holding
from simulator.models.errors import short_error


@dataclass(frozen=True)
class CallRecord:
    role: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    latency_ms: float
    cost_usd: float
    ok: bool
    error: str | None = None
    attempt: int = 1
    session_id: str | None = None
    cache_hit: bool = False  # served from the response cache: no request was made

    def as_row(self) -> dict:
        return asdict(self)


CallSink = Callable[[CallRecord], None]


@dataclass
class MemorySink:
    """Collects records in a list (tests, `patientsim models`)."""

    records: list[CallRecord] = field(default_factory=list)

    def __call__(self, record: CallRecord) -> None:
        self.records.append(record)

    def totals(self) -> dict:
        return {
            "calls": len(self.records),
            "prompt_tokens": sum(r.prompt_tokens for r in self.records),
            "completion_tokens": sum(r.completion_tokens for r in self.records),
            "cost_usd": round(sum(r.cost_usd for r in self.records), 6),
        }


_current_sink: contextvars.ContextVar[CallSink | None] = contextvars.ContextVar(
    "patientsim_call_sink", default=None
)


def emit(record: CallRecord) -> None:
    sink = _current_sink.get()
    if sink is not None:
        sink(record)


def recording_to(sink: CallSink) -> AbstractContextManager[CallSink]:
    """Route the records of every call made in this context (and tasks it spawns) to `sink`."""
    return holding(_current_sink, sink)


def record_attempt(
    spec: ModelSpec,
    call: CallContext,
    started: float,
    attempt: int,
    *,
    usage: dict | None = None,
    error: Exception | None = None,
    cache_hit: bool = False,
) -> None:
    """Emit the record of one attempt that began at perf_counter() `started`."""
    usage = usage or {}
    emit(
        CallRecord(
            role=call.role,
            model=spec.model,
            prompt_tokens=usage.get("prompt_tokens", 0),
            completion_tokens=usage.get("completion_tokens", 0),
            latency_ms=round((time.perf_counter() - started) * 1000, 3),
            cost_usd=usage.get("cost_usd", 0.0),
            ok=error is None,
            error=None if error is None else f"{type(error).__name__}: {short_error(error)}",
            attempt=attempt,
            session_id=call.context.get("session_id"),
            cache_hit=cache_hit,
        )
    )
