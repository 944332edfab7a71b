"""Severity escalation: raise severity and risk by weaving a self-harm cognition into the
existing clinical core (as the severity-escalated variants of the evaluation were built),
keeping everything else."""

from __future__ import annotations

from personas.canonical import stable_seed
from personas.enums import Risk, Severity
from personas.errors import PersonaError
from personas.library import escalation_table, severity_table
from personas.schema import CBTClinical, PEClinical, Persona


def _append(text: str | None, addition: str) -> str:
    if not text:
        return addition
    text = text.rstrip()
    if text[-1] not in ".!?":
        text += "."
    return f"{text} {addition}"


def escalated_clinical(
    clinical: PEClinical | CBTClinical, to: Severity
) -> PEClinical | CBTClinical:
    """The core at severity `to`: risk raised (never lowered) and a self-harm cognition woven in.

    The cognition is chosen from a hash of the core alone, so twins escalate identically.
    """
    entry = escalation_table()[to]
    variants = entry.cbt if isinstance(clinical, CBTClinical) else entry.pe
    cognition = variants[
        stable_seed("escalate", to.value, clinical.model_dump(mode="json")) % len(variants)
    ]
    target: Risk = severity_table().strata[to].risk
    risk = target if target.rank > clinical.risk.rank else clinical.risk
    thoughts = entry.suicidal_thoughts
    if clinical.suicidal_thoughts:
        thoughts = f"{clinical.suicidal_thoughts} Now: {entry.suicidal_thoughts}"
    changes: dict[str, object] = {"risk": risk, "suicidal_thoughts": thoughts}
    if isinstance(clinical, CBTClinical):
        changes["automatic_thought"] = _append(clinical.automatic_thought, cognition)
    else:
        first, *rest = clinical.hot_spots
        changes["hot_spots"] = [
            first.model_copy(update={"cognition": _append(first.cognition, cognition)}),
            *rest,
        ]
    return type(clinical).model_validate({**clinical.model_dump(), **changes})


def escalate(persona: Persona, to: Severity | str) -> Persona:
    """A copy of `persona` at the higher severity `to`, recording `escalated_from`."""
    try:
        target = Severity(to)
    except ValueError:
        raise PersonaError(
            f"severity: unknown stratum {to!r} (known: {', '.join(Severity)})"
        ) from None
    if target.rank <= persona.severity.rank:
        raise PersonaError(
            f"severity: persona {persona.id} is already {persona.severity}; escalation only raises "
            f"(choose a stratum above {persona.severity})"
        )
    return persona.evolve(
        severity=target,
        clinical=escalated_clinical(persona.clinical, target),
        escalated_from=persona.id,
    )
