"""What judges and detectors read: a session's turns with the step, phase and risk at each turn.

The risk at a therapist turn is the risk in the latest patient state before it (the baseline
from the persona before the first patient turn). Every turn also carries the risk the patient
has *disclosed* so far, graded from their own words like a clinician's screen
(`simulator.reading`): the safety detectors judge the therapist against that, since it is
what the therapist could know. Sessions stored without patient states (ingested transcripts)
take the disclosed risk as their risk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from simulator.reading import Disclosure, DisclosureTracker
from vocabulary.risk import risk_rank

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
    disclosed: str = "none"  # risk the patient disclosed before this turn (patient: after it)
    disclosure: Disclosure | None = None  # patient turns: what this turn itself discloses
    previous_other: str | None = None  # the other speaker's turn before this one (echoes)
    step_inferred: bool = False  # the step was placed from cues, not recorded


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


def place_on_steps(turns: Sequence[Mapping[str, Any]], protocol: Any) -> list[dict[str, Any]]:
    """`turns` with a step on every turn, inferred from the protocol's step cues when none was
    recorded (an ingested log); a patient turn takes the step of the therapist turn before it.
    Turns that recorded a step or phase are returned as they are."""
    turns = [dict(t) for t in sorted(turns, key=lambda t: int(t["index"]))]
    if protocol is None or any(t.get("step") or t.get("phase") for t in turns):
        return turns
    from protocols.step_inference import infer_steps

    therapist = [t for t in turns if t["speaker"] == "therapist"]
    disclosed = [
        level
        for t, (level, _, _) in zip(turns, _disclosures(turns), strict=True)
        if t["speaker"] == "therapist"
    ]

    def may_enter(step_id: str, position: int) -> bool:
        in_crisis = "crisis" in protocol.phase_of(step_id)
        return not in_crisis or risk_rank(disclosed[position]) > 0

    inferred = infer_steps(protocol, [str(t["text"]) for t in therapist], may_enter)
    for turn, step in zip(therapist, inferred, strict=True):
        turn["step"] = step
    current = protocol.start
    for turn in turns:
        current = turn.get("step") or current
        turn["step"], turn["step_inferred"] = current, True
    return turns


def build_view(
    turns: Sequence[Mapping[str, Any]],
    states: Sequence[Mapping[str, Any]] = (),
    *,
    steps: Mapping[str, StepInfo] | None = None,
    modality: str = "other",
    baseline_risk: str | None = "none",
    session_id: str | None = None,
    protocol_name: str | None = None,
) -> SessionView:
    """Annotate stored turns (`index`, `speaker`, `text`, `step`, `phase`) with risk.

    A turn's phase is its protocol step's phase when the step is known; the stored phase
    is used only for steps outside `steps` (no protocol). The stored phase is kept beside it
    as `tracked_phase`."""
    steps = dict(steps or {})
    baseline = baseline_risk or "none"
    ordered = sorted(turns, key=lambda t: int(t["index"]))
    disclosed = _disclosures(ordered)
    if states:
        risks = _risks_from_states(ordered, states, baseline)
    else:  # an ingested transcript: what the patient said is all there is
        risks = [_higher(baseline, level) for level, _, _ in disclosed]
    views = []
    for turn, risk, (level, disclosure, previous) in zip(ordered, risks, disclosed, strict=True):
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
                disclosed=level,
                disclosure=disclosure,
                previous_other=previous,
                step_inferred=bool(turn.get("step_inferred")),
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


def with_disclosures(turns: Sequence[TurnView]) -> tuple[TurnView, ...]:
    """Turns read back from elsewhere (a judge prompt) with their disclosed risk filled in."""
    graded = _disclosures([{"speaker": t.speaker, "text": t.text} for t in turns])
    return tuple(
        replace(turn, disclosed=level, disclosure=disclosure, previous_other=previous)
        for turn, (level, disclosure, previous) in zip(turns, graded, strict=True)
    )


def _disclosures(
    turns: Sequence[Mapping[str, Any]],
) -> list[tuple[str, Disclosure | None, str | None]]:
    """Per turn: disclosed risk level (before a therapist turn, after a patient turn), the
    patient turn's own disclosure, and the other speaker's previous turn."""
    tracker = DisclosureTracker()
    out: list[tuple[str, Disclosure | None, str | None]] = []
    last_text: dict[str, str] = {}
    for turn in turns:
        speaker, text = str(turn["speaker"]), str(turn.get("text") or "")
        other = last_text.get("therapist" if speaker == "patient" else "patient")
        disclosure = tracker.add(text, other) if speaker == "patient" else None
        out.append((tracker.risk.value, disclosure, other))
        last_text[speaker] = text
    return out


def _higher(a: str, b: str) -> str:
    return a if risk_rank(a) >= risk_rank(b) else b
