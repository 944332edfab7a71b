"""Text renderings of a persona: the readable card and the therapist's intake summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from personas.enums import IntakeLevel
from personas.schema import CBTClinical, PEClinical

if TYPE_CHECKING:
    from personas.schema import Persona


def _line(label: str, value: object) -> str | None:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    return f"{label}: {value}"


def _demographic_lines(persona: Persona) -> list[str | None]:
    d = persona.demographics
    return [
        _line("Age", d.age),
        _line("Gender identity", d.gender_identity),
        _line("Pronouns", d.pronouns),
        _line("Race/ethnicity", d.race_ethnicity),
        _line("Sexual orientation", d.sexual_orientation),
        _line("Language", f"{d.language} ({d.locale})"),
        _line("Education", d.education),
        _line("Occupation", d.occupation),
        _line("Income", d.income_band),
        _line("Region", d.region),
        _line("Religion", d.religion),
    ]


def _clinical_lines(persona: Persona) -> list[str | None]:
    c = persona.clinical
    lines: list[str | None] = []
    if isinstance(c, PEClinical):
        lines += [
            f"Clinical core (Prolonged Exposure): {c.trauma_type.replace('_', ' ')}"
            + (f" [{c.core_id}]" if c.core_id else ""),
            _line("  Trauma narrative seed", c.narrative_seed),
        ]
        lines += [f'  Hot spot: {h.moment} -- "{h.cognition}"' for h in c.hot_spots]
        lines += [
            _line("  Avoidance", c.avoidance),
            _line("  Baseline PCL-5 (0-80)", c.baseline_pcl5),
        ]
    elif isinstance(c, CBTClinical):
        lines += [
            "Clinical core (CBT cognitive restructuring)"
            + (f" [{c.core_id}]" if c.core_id else ""),
            _line("  Situation", c.situation),
            _line(
                "  Automatic thought", f'"{c.automatic_thought}"' if c.automatic_thought else None
            ),
            f"  Belief in the thought: {c.belief}%",
            f"  Emotion: {c.emotion or 'unstated'} ({c.emotion_intensity}/100)",
            _line("  Distortions", [str(d) for d in c.distortions]),
            _line("  Baseline PHQ-9 (0-27)", c.baseline_phq9),
        ]
    h = c.history
    lines += [
        f"  Baseline SUDS: {c.baseline_suds}/100",
        f"  Current risk: {c.risk}",
        _line("  Suicidal thoughts", c.suicidal_thoughts),
        f"  Prior suicide attempts: {h.prior_attempts}",
        _line("  Supports", h.supports),
        _line("  Prior treatment", h.prior_treatment),
        _line("  History", h.notes),
        _line("  Reasons for living", c.reasons_for_living),
    ]
    return lines


def _style_lines(persona: Persona) -> list[str | None]:
    s = persona.style
    lines: list[str | None] = [
        f"Style: {s.communication} communication, {s.disclosure} disclosure, engagement {s.engagement}/100",
        _line("  Reactions", s.reactions),
        _line("  Described as", s.notes),
    ]
    lines += [f'  Example message: "{m}"' for m in s.disclosure_examples]
    return lines


def render_card(persona: Persona, *, show_trajectory: bool = False) -> str:
    """Readable card: `personas show` prints it, the patient simulator is told it.

    The trajectory's events are left out unless asked for: the patient model must learn of
    each event only when it is due.
    """
    lines: list[str | None] = [f"{persona.demographics.name} ({persona.id})"]
    lines += _demographic_lines(persona)
    lines.append(f"Severity: {persona.severity}")
    if persona.escalated_from:
        lines.append(f"Escalated from: {persona.escalated_from}")
    lines += _clinical_lines(persona)
    lines += _style_lines(persona)
    lines.append(_line("Background", persona.narrative))
    if persona.source:
        lines.append(f"Source: {persona.source.format}, {persona.source.record}")
    if show_trajectory:
        t = persona.trajectory
        lines.append(f"Trajectory: {t.preset or 'custom'} ({len(t.events)} event(s))")
        for e in t.events:
            again = "" if e.once else " (each time)"
            lines.append(f"  - {e.trigger()}{again}: {e.effects.summary()}; feels: {e.says}")
    return "\n".join(line for line in lines if line is not None)


def presenting_concern(persona: Persona) -> str:
    c = persona.clinical
    if isinstance(c, PEClinical):
        return f"distress after a past {c.trauma_type.replace('_', ' ')} experience"
    return c.situation or "low mood and stress"


def render_intake(persona: Persona, level: IntakeLevel | str = IntakeLevel.basic) -> str:
    """What an intake form tells the therapist: none, basic (name, age, pronouns,
    race/ethnicity, language) or full."""
    level = IntakeLevel(level)
    if level is IntakeLevel.none:
        return ""
    d = persona.demographics
    fields: list[tuple[str, object]] = [
        ("Name", d.name),
        ("Age", d.age),
        ("Pronouns", d.pronouns),
        ("Race/ethnicity", d.race_ethnicity),
        ("Language", d.language),
    ]
    if level is IntakeLevel.full:
        fields += [
            ("Gender identity", d.gender_identity),
            ("Sexual orientation", d.sexual_orientation),
            ("Education", d.education),
            ("Occupation", d.occupation),
            ("Income", d.income_band),
            ("Region", d.region),
            ("Religion", d.religion),
            ("Presenting concern", presenting_concern(persona)),
        ]
    return "\n".join(f"{label}: {value}" for label, value in fields if value is not None)
