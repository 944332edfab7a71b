"""Plain rows the screens draw: what the store reader hands over from its worker thread.

Turns, patient states and detector hits are the store's own records (`simulator.store`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.store.overviews import RunOverview, SessionOverview
from simulator.store.session_record import HitRecord, StateRecord, TurnRecord
from simulator.store.statuses import EndReason, RunStatus, RunStopReason, SessionStatus
from tui.judging import Judgment, MetricSummary

__all__ = [
    "HitRecord",
    "RunListing",
    "SessionDetail",
    "SessionListing",
    "StateRecord",
    "SweepProgress",
    "SweepSession",
    "TurnRecord",
]


@dataclass(frozen=True)
class SessionListing(SessionOverview):
    """One line of the runs table: the stored overview plus the panel's verdict."""

    score: float | None = None
    needs_review: int = 0


RunListing = RunOverview  # one run and how many of its sessions ended how


@dataclass
class SessionDetail:
    """A stored session with everything the session panels show."""

    session_id: str
    status: SessionStatus
    end_reason: EndReason | None
    protocol: str
    persona: str
    therapist: str
    patient: str
    mode: str
    severity: str | None
    max_turns: int | None
    deteriorated: bool | None
    error: str | None = None
    turns: list[TurnRecord] = field(default_factory=list)
    states: list[StateRecord] = field(default_factory=list)
    hits: list[HitRecord] = field(default_factory=list)
    panel: list[Judgment] = field(default_factory=list)
    scores: list[MetricSummary] = field(default_factory=list)
    cited: dict[int, list[str]] = field(default_factory=dict)
    # the simulator check of the patient: "" (not checked), "patient ok" or what failed
    patient_check: str = ""

    @property
    def evidence_turns(self) -> list[int]:
        """Turns a judge cited, in order."""
        return sorted(self.cited)


@dataclass(frozen=True)
class SweepProgress:
    run_id: str
    name: str
    status: RunStatus
    stop_reason: RunStopReason | None
    total: int | None
    done: int
    failed: int
    running: int
    cost_usd: float
    tokens: int
    per_minute: float | None
    eta_seconds: float | None


@dataclass(frozen=True)
class SweepSession:
    """One session of a sweep as the score tables need it."""

    session_id: str
    therapist: str
    severity: str
    persona_id: str
    twin_group: str | None
    demographics: dict
    scores: dict[str, float | None]
