"""The one set of session-variable values a session supplies to conditions.

Protocol routing (after an exchange) and persona trajectory events (before the patient
replies) read the same variables, on the same scales (vocabulary/variables.yaml): `turn`
counts the exchanges completed, engagement is 0-100.
"""

from __future__ import annotations

from typing import Any

from simulator.session.dynamics import PatientState


def session_values(
    patient: PatientState,
    *,
    exchanges: int,
    turns_in_step: int,
    invalidations: int,
    therapist_invalidated: bool,
    step_done: bool | None = None,
) -> dict[str, Any]:
    """Values by variable name; None where the session cannot know it yet (a condition over
    it is unknown, and an unknown condition never fires)."""
    return {
        "suds": patient.suds,
        "suds_peak": patient.suds_peak,
        "suds_baseline": patient.suds_baseline,
        "belief": patient.belief,
        "belief_baseline": patient.belief_baseline,
        "risk": patient.risk,
        "engagement": round(patient.engagement * 100),
        "turns_in_step": turns_in_step,
        "turn": exchanges,
        "step_done": step_done,
        "avoidance_reinforced": patient.avoidance_reinforced,
        "therapist_invalidated": therapist_invalidated,
        "invalidations": invalidations,
        "turns_suds_above_80": patient.turns_suds_above_80,
    }
