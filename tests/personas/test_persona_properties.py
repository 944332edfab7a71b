"""Property tests: whatever is sampled validates, round-trips through JSON, and hangs together."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from personas import (
    Modality,
    Persona,
    Risk,
    Severity,
    TrajectoryPreset,
    escalate,
    render_card,
    render_intake,
    sample,
    twins,
)
from vocabulary.conditions import as_data, parse_condition, truth
from vocabulary.variables import session_variables

_SETTINGS = settings(max_examples=40, deadline=None)


@_SETTINGS
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    n=st.integers(min_value=1, max_value=3),
    modality=st.none() | st.sampled_from(list(Modality)),
    severity=st.none() | st.sampled_from(list(Severity)),
    distribution=st.sampled_from(["uniform", "us_adults"]),
    trajectory=st.sampled_from(list(TrajectoryPreset)),
)
def test_any_sampled_persona_validates_and_round_trips(
    seed, n, modality, severity, distribution, trajectory
) -> None:
    people = sample(
        n,
        seed,
        modality=modality,
        severity=severity,
        distribution=distribution,
        trajectory=trajectory,
    )
    assert len(people) == n
    for persona in people:
        again = Persona.model_validate_json(persona.to_json())
        assert again == persona and again.id == persona.id == persona.content_id()
        assert (
            Persona.model_validate(persona.model_dump(mode="json", exclude={"id"})).id == persona.id
        )
        assert render_card(persona) and render_intake(persona, "full")
        if modality is not None:
            assert persona.modality == modality
        if severity is not None:
            assert persona.severity == severity


@_SETTINGS
@given(
    seed=st.integers(min_value=0, max_value=10**6),
    field=st.sampled_from(["race", "gender", "language", "age"]),
)
def test_twins_and_escalations_of_any_sample_validate(seed, field) -> None:
    persona = sample(1, seed, distribution="us_adults")[0]
    members = twins(persona, vary=[field], distribution="us_adults")
    assert all(Persona.model_validate_json(t.to_json()) == t for t in members)
    assert {t.clinical.model_dump_json() for t in members} == {persona.clinical.model_dump_json()}
    top = escalate(persona, to="imminent")
    assert top.clinical.risk == Risk.imminent and Persona.model_validate_json(top.to_json()) == top


_INT_VARIABLES = [
    name for name, v in session_variables().items() if v.type == "integer" and v.max is None
]


@_SETTINGS
@given(
    var=st.sampled_from(_INT_VARIABLES),
    op=st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
    threshold=st.integers(min_value=0, max_value=100),
    value=st.integers(min_value=0, max_value=100),
)
def test_comparisons_agree_with_python(var, op, threshold, value) -> None:
    from_text = parse_condition({"var": var, "op": op, "value": threshold})
    assert parse_condition(as_data(from_text)) == from_text
    expected = {
        "==": value == threshold,
        "!=": value != threshold,
        "<": value < threshold,
        "<=": value <= threshold,
        ">": value > threshold,
        ">=": value >= threshold,
    }[op]
    assert truth(from_text, {var: value}) is expected
