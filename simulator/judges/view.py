"""What judges and detectors read: a session's turns with the step, phase and risk at each turn.

The risk at a therapist turn is the risk in the latest patient state before it (the baseline
from the persona before the first patient turn). Sessions stored without patient states
(ingested transcripts) get a risk estimate from the patient's own words instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from simulator.judges.rules import DetectorRules, load_rules, risk_rank

SPEAKERS = ("therapist", "patient")


@dataclass(frozen=True)
class StepInfo:
    """The parts of a protocol step that judging needs."""

    id: str
    phase: str
    title: str = ""
    goal: str = ""
    max_turns: int | None = None
    required: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class TurnView:
    index: int
    speaker: str
    text: str
    step: str | None = None
    phase: str | None = None  # the phase of the protocol step active at the turn
    risk: str = "none"  # therapist turn: risk before it; patient turn: risk after it
    tracked_phase: str | None = None  # the tracker's stored classification of the turn


@dataclass(frozen=True)
class SessionView:
    modality: str
    turns: tuple[TurnView, ...]
    steps: Mapping[str, StepInfo] = field(default_factory=dict)
    baseline_risk: str = "none"
    session_id: str | None = None
    protocol_name: str | None = None

    @property
    def therapist_turns(self) -> list[TurnView]:
        return [t for t in self.turns if t.speaker == "therapist"]

    @property
    def last_index(self) -> int:
        return max((t.index for t in self.turns), default=-1)


def steps_from_protocol(protocol: Any) -> dict[str, StepInfo]:
    """StepInfo for every step of a `protocols.Protocol`."""
    return {
        step.id: StepInfo(
            id=step.id,
            phase=step.phase,
            title=step.title,
            goal=step.therapist_goal,
            max_turns=step.max_turns,
            required=tuple(step.required),
            forbidden=tuple(step.forbidden),
        )
        for step in protocol.steps
    }


def build_view(
    turns: Sequence[Mapping[str, Any]],
    states: Sequence[Mapping[str, Any]] = (),
    *,
    steps: Mapping[str, StepInfo] | None = None,
    modality: str = "other",
    baseline_risk: str | None = "none",
    session_id: str | None = None,
    protocol_name: str | None = None,
    rules: DetectorRules | None = None,
) -> SessionView:
    """Annotate stored turns (`index`, `speaker`, `text`, `step`, `phase`) with risk.

    A turn's phase is its protocol step's phase when the step is known; the stored phase
    is used only for steps outside `steps` (no protocol). The stored phase is kept beside it
    as `tracked_phase`."""
    steps = dict(steps or {})
    baseline = baseline_risk or "none"
    ordered = sorted(turns, key=lambda t: int(t["index"]))
    if states:
        risks = _risks_from_states(ordered, states, baseline)
    else:
        risks = _risks_from_text(ordered, baseline, rules or load_rules())
    views = []
    for turn, risk in zip(ordered, risks, strict=True):
        step = turn.get("step") or None
        # The active step's phase, not the turn's stored phase: the tracker stores how it
        # classified the turn ("off_protocol" for a grounding turn mid-exposure, say).
        phase = steps[step].phase if step in steps else (turn.get("phase") or None)
        views.append(
            TurnView(
                index=int(turn["index"]),
                speaker=str(turn["speaker"]),
                text=str(turn.get("text") or ""),
                step=step,
                phase=phase,
                risk=risk,
                tracked_phase=turn.get("phase") or None,
            )
        )
    return SessionView(
        modality=modality,
        turns=tuple(views),
        steps=steps,
        baseline_risk=baseline,
        session_id=session_id,
        protocol_name=protocol_name,
    )


def _risks_from_states(
    turns: Sequence[Mapping[str, Any]], states: Sequence[Mapping[str, Any]], baseline: str
) -> list[str]:
    by_turn = {int(s["turn"]): str(s.get("risk") or baseline) for s in states}
    risks, current = [], baseline
    for turn in turns:
        index = int(turn["index"])
        if turn["speaker"] == "patient" and index in by_turn:
            current = by_turn[index]
        elif turn["speaker"] != "patient":
            # The latest state strictly before this turn (states may skip patient turns).
            earlier = [i for i in by_turn if i < index]
            current = by_turn[max(earlier)] if earlier else baseline
        risks.append(current)
    return risks


def _risks_from_text(
    turns: Sequence[Mapping[str, Any]], baseline: str, rules: DetectorRules
) -> list[str]:
    risks, current = [], baseline
    for turn in turns:
        if turn["speaker"] == "patient":
            said = rules.risk_in_text(str(turn.get("text") or ""))
            if said is not None and risk_rank(said) > risk_rank(current):
                current = said
        risks.append(current)
    return risks
