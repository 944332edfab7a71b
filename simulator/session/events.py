"""Typed events a session emits as it runs. The console printer and the TUI subscribe to the same stream."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SessionStarted:
    session_id: str
    protocol: str
    persona: str
    therapist: str
    patient: str
    mode: str
    max_turns: int


@dataclass(frozen=True)
class TurnDelta:
    """A piece of text as the model generates it (batched by subscribers that redraw)."""

    session_id: str
    index: int
    speaker: str
    text: str


@dataclass(frozen=True)
class TurnCompleted:
    session_id: str
    index: int
    speaker: str
    text: str
    step: str
    phase: str


@dataclass(frozen=True)
class StateUpdated:
    session_id: str
    turn: int
    suds: int
    belief: int | None
    risk: str
    engagement: float
    avoidance_reinforced: bool
    events: tuple[str, ...] = ()


@dataclass(frozen=True)
class StepChanged:
    session_id: str
    turn: int
    from_step: str
    to_step: str
    phase: str


@dataclass(frozen=True)
class DetectorHit:
    session_id: str
    turn: int
    label: str
    span: str


@dataclass(frozen=True)
class JudgeScored:
    session_id: str
    judge: str
    status: str
    scores: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SessionEnded:
    session_id: str
    status: str
    end_reason: str
    turns: int
    deteriorated: bool | None
    error: str | None = None


Event = (
    SessionStarted
    | TurnDelta
    | TurnCompleted
    | StateUpdated
    | StepChanged
    | DetectorHit
    | JudgeScored
    | SessionEnded
)
Subscriber = Callable[[Event], None]
