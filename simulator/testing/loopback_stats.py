"""What the loopback server did: one counter per outcome of a chat-completion request."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class Outcome(StrEnum):
    """How one chat-completion request was answered."""

    OK = "ok"
    RATE_LIMITED = "429"
    SERVER_ERROR = "500"
    HANG = "hang"
    RESET = "reset"
    MALFORMED = "malformed"
    MALFORMED_CONTENT = "malformed_content"
    SCHEMA_INVALID = "schema_invalid"
    BAD_REQUEST = "bad_request"


class ServerStats(BaseModel):
    """A snapshot of the server's counters."""

    requests: int = Field(description="Chat-completion requests received.")
    outcomes: dict[str, int] = Field(
        description="Requests by outcome: ok, 429, 500, hang, reset, malformed, "
        "malformed_content, schema_invalid, bad_request."
    )
    in_flight: int = Field(description="Chat-completion requests being answered right now.")
    peak_in_flight: int = Field(description="Most chat-completion requests answered at once.")
    connections: int = Field(description="TCP connections accepted.")


class StatsCounter:
    """Mutable counters, owned by the server's event loop; read from any thread as snapshots.

    Every outcome key exists from the start so a reader in another thread never sees the
    dict change size while it copies it.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.outcomes = {outcome.value: 0 for outcome in Outcome}
        self.requests = 0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.connections = 0

    def started(self) -> None:
        self.requests += 1
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def record(self, outcome: Outcome) -> None:
        # Counted when decided, not when done, so a hung request shows while it hangs.
        self.outcomes[outcome.value] += 1

    def finished(self) -> None:
        self.in_flight -= 1

    def snapshot(self) -> ServerStats:
        return ServerStats(
            requests=self.requests,
            outcomes=dict(self.outcomes),
            in_flight=self.in_flight,
            peak_in_flight=self.peak_in_flight,
            connections=self.connections,
        )
