"""The session variables' values before the patient's first turn, from the persona's baselines."""

from __future__ import annotations

from typing import Any

from personas.schema import CBTClinical, Persona


def starting_values(persona: Persona) -> dict[str, Any]:
    """The session variables a trajectory reads before the patient's first reply (belief is 0
    for PE; `turn` counts exchanges completed: none yet)."""
    clinical = persona.clinical
    return {
        "turn": 0,
        "turns_in_step": 0,
        "suds": clinical.baseline_suds,
        "belief": clinical.belief if isinstance(clinical, CBTClinical) else 0,
        "risk": clinical.risk,
        "engagement": persona.style.engagement,
        "therapist_invalidated": False,
        "invalidations": 0,
        "turns_suds_above_80": 1 if clinical.baseline_suds > 80 else 0,
    }
