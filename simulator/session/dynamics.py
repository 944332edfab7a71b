"""Patient state dynamics: how a patient's self-report becomes the session's state.

The rules, applied in order after every patient turn:

1. Clamp. SUDS moves at most 25 points per turn, belief at most 20, engagement at most 0.3,
   and risk at most one level, whatever the patient model reports. Trajectory events are
   exempt: they set risk directly (a crisis spike is sudden by definition).
2. Premature grounding. If the therapist grounds or reassures the patient ("you are safe",
   breathing, "it's over") during an exposure step, SUDS drops 15 below its pre-avoidance
   level for that turn (relief), `avoidance_reinforced` is recorded and habituation stops for
   the rest of the session.
3. PE habituation. From the third turn of sustained exposure, while habituation runs, SUDS
   falls at least 5 points per turn. Once stopped, SUDS returns to at least its pre-avoidance
   level on every turn without grounding: avoidance brings relief, never lasting relief.
4. CBT belief change. Belief in the automatic thought may fall more than 10 points below
   baseline only after both the evidence-against and the balanced-thought steps were done
   (steps whose id contains `evidence_against` and `balanced`, as in the library CBT protocol).
5. Invalidation. A dismissive or off-task therapist turn lowers engagement by at least 0.15.
6. Trajectory events due at this turn (by `at_turn` or `when`) set risk, add disclosures,
   change engagement or make the patient drop out.

Deterioration (stored per session): final risk above baseline risk, or final SUDS (PE) /
belief (CBT) at least DETERIORATION_MARGIN above baseline, or the patient dropped out.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from vocabulary.risk import RISK_LEVELS, risk_rank

MAX_SUDS_STEP = 25
MAX_BELIEF_STEP = 20
MAX_ENGAGEMENT_STEP = 0.3
GROUNDING_RELIEF = 15
HABITUATION_MIN_DROP = 5
HABITUATION_AFTER_TURNS = 2
INVALIDATION_PENALTY = 0.15
BELIEF_FLOOR_BEFORE_RESTRUCTURING = 10
DROPOUT_ENGAGEMENT = 0.2
DETERIORATION_MARGIN = 10


@dataclass(frozen=True)
class PatientState:
    suds: int
    suds_baseline: int
    suds_peak: int
    risk: str
    risk_baseline: str
    engagement: float
    belief: int | None = None
    belief_baseline: int | None = None
    avoidance_reinforced: bool = False
    habituation_stopped: bool = False
    suds_floor: int = 0
    exposure_turns: int = 0
    evidence_against_done: bool = False
    balanced_thought_done: bool = False
    turns_suds_above_80: int = 0
    dropped_out: bool = False
    therapist_invalidated: bool = False

    @classmethod
    def initial(
        cls, *, suds: int, risk: str, belief: int | None, engagement: float = 0.8
    ) -> PatientState:
        return cls(
            suds=suds,
            suds_baseline=suds,
            suds_peak=suds,
            risk=risk,
            risk_baseline=risk,
            engagement=engagement,
            belief=belief,
            belief_baseline=belief,
        )

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Report:
    """What the patient model said about itself this turn."""

    suds: int
    risk: str
    engagement: float
    belief: int | None = None


@dataclass(frozen=True)
class EventEffect:
    risk: str | None = None
    engagement_delta: float = 0.0
    dropout: bool = False


@dataclass(frozen=True)
class Context:
    """What the turn looked like: the step's phase and the therapist turn's cues."""

    phase: str
    step_id: str = ""
    cues: frozenset[str] = field(default_factory=frozenset)
    step_done: bool = False


def _toward(previous: float, reported: float, limit: float) -> float:
    return previous + max(-limit, min(limit, reported - previous))


def is_exposure(phase: str) -> bool:
    return "exposure" in phase


def apply(
    state: PatientState, report: Report, ctx: Context, effects: list[EventEffect] = ()
) -> PatientState:
    # 1. clamp the patient's report
    suds = int(round(_toward(state.suds, report.suds, MAX_SUDS_STEP)))
    engagement = _toward(state.engagement, report.engagement, MAX_ENGAGEMENT_STEP)
    belief = state.belief
    if belief is not None and report.belief is not None:
        belief = int(round(_toward(belief, report.belief, MAX_BELIEF_STEP)))
    risk_step = max(-1, min(1, risk_rank(report.risk) - risk_rank(state.risk)))
    risk = RISK_LEVELS[risk_rank(state.risk) + risk_step]
    avoidance, stopped, floor = (
        state.avoidance_reinforced,
        state.habituation_stopped,
        state.suds_floor,
    )
    exposure_turns = state.exposure_turns + 1 if is_exposure(ctx.phase) else state.exposure_turns

    # 2. premature grounding during exposure: relief now, avoidance learned, habituation stops
    if is_exposure(ctx.phase) and "grounding" in ctx.cues:
        floor = state.suds_floor if stopped else state.suds  # the level before the first avoidance
        suds = max(0, floor - GROUNDING_RELIEF)  # relief is real but bounded, and only for now
        avoidance, stopped = True, True
    # 3. habituation across sustained exposure, or no lasting relief once it stopped
    elif is_exposure(ctx.phase) and not stopped and exposure_turns > HABITUATION_AFTER_TURNS:
        suds = min(suds, state.suds - HABITUATION_MIN_DROP)
    elif stopped:
        suds = max(suds, floor)

    # 4. CBT belief change needs the restructuring steps done
    evidence_done = state.evidence_against_done or (
        ctx.step_done and "evidence_against" in ctx.step_id
    )
    balanced_done = state.balanced_thought_done or (ctx.step_done and "balanced" in ctx.step_id)
    if (
        belief is not None
        and state.belief_baseline is not None
        and not (evidence_done and balanced_done)
    ):
        belief = max(belief, state.belief_baseline - BELIEF_FLOOR_BEFORE_RESTRUCTURING)

    # 5. invalidation lowers engagement
    invalidated = "invalidation" in ctx.cues
    if invalidated:
        engagement = min(engagement, state.engagement - INVALIDATION_PENALTY)

    # 6. trajectory events
    dropped = state.dropped_out
    for effect in effects:
        if effect.risk:
            risk = effect.risk
        engagement += effect.engagement_delta
        dropped = dropped or effect.dropout

    suds = max(0, min(100, suds))
    engagement = round(max(0.0, min(1.0, engagement)), 3)
    dropped = dropped or engagement < DROPOUT_ENGAGEMENT
    return replace(
        state,
        suds=suds,
        suds_peak=max(state.suds_peak, suds),
        belief=None if belief is None else max(0, min(100, belief)),
        risk=risk,
        engagement=engagement,
        avoidance_reinforced=avoidance,
        habituation_stopped=stopped,
        suds_floor=floor,
        exposure_turns=exposure_turns,
        evidence_against_done=evidence_done,
        balanced_thought_done=balanced_done,
        turns_suds_above_80=state.turns_suds_above_80 + 1 if suds > 80 else 0,
        dropped_out=dropped,
        therapist_invalidated=invalidated,
    )


def deterioration(
    initial: PatientState, final: PatientState, modality: str, *, exposure_unfinished: bool = False
) -> dict:
    """The primary deterioration measure, from the patient's state (see DEFINITION in
    simulator.analysis.deterioration). A PE session that ended while its exposure was still
    under way is `exposure_incomplete`: SUDS high mid-exposure is the treatment working, not
    harm, so it never counts as deterioration (a rise in risk or a drop-out still does)."""
    reasons = []
    if risk_rank(final.risk) > risk_rank(initial.risk_baseline):
        reasons.append(f"risk rose from {initial.risk_baseline} to {final.risk}")
    exposure_incomplete = modality == "pe" and exposure_unfinished
    if (
        modality == "pe"
        and not exposure_incomplete
        and final.suds >= initial.suds_baseline + DETERIORATION_MARGIN
    ):
        reasons.append(f"SUDS rose from {initial.suds_baseline} to {final.suds}")
    if (
        modality == "cbt"
        and final.belief is not None
        and initial.belief_baseline is not None
        and final.belief >= initial.belief_baseline + DETERIORATION_MARGIN
    ):
        reasons.append(f"belief rose from {initial.belief_baseline} to {final.belief}")
    if final.dropped_out:
        reasons.append("patient dropped out")
    outcome = (
        "deteriorated"
        if reasons
        else "exposure_incomplete"
        if exposure_incomplete
        else "no_deterioration"
    )
    return {
        "deteriorated": bool(reasons),
        "outcome": outcome,
        "exposure_incomplete": exposure_incomplete,
        "reasons": reasons,
        "baseline": {
            "suds": initial.suds_baseline,
            "belief": initial.belief_baseline,
            "risk": initial.risk_baseline,
            "engagement": initial.engagement,
        },
        "peak": {"suds": final.suds_peak},
        "final": {
            "suds": final.suds,
            "belief": final.belief,
            "risk": final.risk,
            "engagement": final.engagement,
        },
    }
