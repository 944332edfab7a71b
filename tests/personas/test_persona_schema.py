"""The persona schema: content-derived ids, validation, JSON round trip, conditions, cards."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from personas import (
    Persona,
    Risk,
    Severity,
    Trajectory,
    TrajectoryEvent,
    expand_trajectory,
    persona_json_schema,
    render_card,
    render_intake,
    sample,
    starting_values,
)
from vocabulary.variables import session_variables


@pytest.fixture(scope="module")
def persona() -> Persona:
    return sample(1, seed=11, modality="cbt", trajectory="crisis_spike")[0]


def test_id_is_derived_from_content_and_stable(persona: Persona) -> None:
    data = persona.model_dump(mode="json", exclude={"id"})
    assert Persona.model_validate(data).id == persona.id
    changed = {**data, "severity": "distress"}
    assert Persona.model_validate(changed).id != persona.id
    assert persona.id.startswith("p-") and len(persona.id) == 14


def test_a_wrong_id_is_rejected(persona: Persona) -> None:
    data = persona.model_dump(mode="json")
    data["demographics"]["age"] += 1
    with pytest.raises(ValidationError, match="does not match the content"):
        Persona.model_validate(data)


def test_json_round_trip_is_exact(persona: Persona) -> None:
    text = persona.to_json()
    again = Persona.model_validate_json(text)
    assert again == persona
    assert again.to_json() == text


def test_unknown_fields_are_errors(persona: Persona) -> None:
    data = persona.model_dump(mode="json", exclude={"id"})
    data["demographics"]["favourite_colour"] = "blue"
    with pytest.raises(ValidationError, match="favourite_colour"):
        Persona.model_validate(data)


def test_scores_are_range_checked(persona: Persona) -> None:
    data = persona.model_dump(mode="json", exclude={"id"})
    data["clinical"]["baseline_phq9"] = 28
    with pytest.raises(ValidationError, match="baseline_phq9"):
        Persona.model_validate(data)


def test_evolve_recomputes_the_id(persona: Persona) -> None:
    older = persona.evolve(severity=Severity.distress)
    assert older.severity is Severity.distress
    assert older.id == older.content_id() != persona.id


def test_json_schema_describes_every_field() -> None:
    schema = persona_json_schema()
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert set(schema["properties"]) >= {
        "id",
        "demographics",
        "clinical",
        "style",
        "severity",
        "trajectory",
    }
    for name, definition in schema["$defs"].items():
        for field, spec in definition.get("properties", {}).items():
            assert spec.get("description"), f"{name}.{field} has no description"
    json.dumps(schema)


def test_event_needs_exactly_one_trigger() -> None:
    with pytest.raises(ValidationError, match="exactly one of at_turn or when"):
        TrajectoryEvent(id="x", says="s")
    with pytest.raises(ValidationError, match="exactly one of at_turn or when"):
        TrajectoryEvent(id="x", says="s", at_turn=2, when="suds > 80")


def test_conditions_are_checked_against_the_variable_set() -> None:
    with pytest.raises(ValidationError, match="unknown variable 'mood'"):
        TrajectoryEvent(id="x", says="s", when="mood > 3")
    with pytest.raises(ValidationError, match="'risk' is a level"):
        TrajectoryEvent(id="x", says="s", when="risk >= severe")
    with pytest.raises(ValidationError, match="true or false"):
        TrajectoryEvent(id="x", says="s", when="therapist_invalidated > 1")
    with pytest.raises(ValidationError, match="unknown operator"):
        TrajectoryEvent(id="x", says="s", when="__import__('os').system('true')")


def _values(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "turn": 1,
        "turns_in_step": 0,
        "suds": 50,
        "belief": 60,
        "risk": "none",
        "engagement": 80,
        "therapist_invalidated": False,
        "invalidations": 0,
        "turns_suds_above_80": 0,
    }
    assert set(base) <= set(session_variables())
    return {**base, **changes}


def test_conditions_evaluate_as_data() -> None:
    event = TrajectoryEvent(
        id="spike_unheard",
        says="s",
        when={"all": ["turn > 5", {"any": ["therapist_invalidated == true", "risk >= high"]}]},
    )
    assert not event.is_due(_values(turn=6))
    assert event.is_due(_values(turn=6, therapist_invalidated=True))
    assert event.is_due(_values(turn=6, risk=Risk.imminent))
    assert not event.is_due(_values(turn=6, risk="moderate"))
    assert not event.is_due(_values(turn=6, risk="high"), fired={"spike_unheard"})
    negated = TrajectoryEvent(id="n", says="s", when={"not_any": ["engagement < 20"]}, once=False)
    assert negated.is_due(_values(engagement=50), fired={"n"})
    assert not negated.is_due(_values(engagement=10))


def test_starting_values_cover_the_variable_set(persona: Persona) -> None:
    values = starting_values(persona)
    assert set(values) <= set(session_variables())
    assert {"turn", "suds", "risk", "engagement", "invalidations"} <= set(values)
    assert (
        values["suds"] == persona.clinical.baseline_suds
        and values["belief"] == persona.clinical.belief
    )
    assert (
        values["risk"] == persona.clinical.risk and values["engagement"] == persona.style.engagement
    )
    assert persona.trajectory.due_events(values) == []


def test_presets_expand_into_due_events() -> None:
    spike = expand_trajectory("crisis_spike")
    # at_turn: 5 is due just before the 5th reply, when 4 exchanges are complete
    assert [e.id for e in spike.due_events(_values(turn=4))] == ["spike"]
    assert spike.due_events(_values(turn=3)) == []
    dropout = expand_trajectory("dropout_risk")
    due = dropout.due_events(_values(turn=9, invalidations=2, therapist_invalidated=True))
    assert {e.id for e in due} == {"judged", "leaves_after_invalidation"}
    assert any(e.effects.dropout for e in due)
    assert expand_trajectory("stable") == Trajectory(preset="stable", events=[])


def test_card_names_who_and_what_and_hides_the_schedule(persona: Persona) -> None:
    card = render_card(persona)
    assert persona.demographics.name in card and persona.id in card
    assert persona.clinical.automatic_thought in card
    assert "Current risk: none" in card
    assert "Trajectory" not in card and "I need to say something" not in card
    shown = render_card(persona, show_trajectory=True)
    assert "Trajectory: crisis_spike (2 event(s))" in shown and "at turn 5" in shown


def test_intake_summary_levels(persona: Persona) -> None:
    d = persona.demographics
    assert render_intake(persona, "none") == ""
    basic = render_intake(persona, "basic")
    assert basic.splitlines() == [
        f"Name: {d.name}",
        f"Age: {d.age}",
        f"Pronouns: {d.pronouns}",
        f"Race/ethnicity: {d.race_ethnicity}",
        f"Language: {d.language}",
    ]
    full = render_intake(persona, "full")
    assert full.startswith(basic) and f"Gender identity: {d.gender_identity}" in full
    assert "Presenting concern:" in full and "risk" not in full.lower()
