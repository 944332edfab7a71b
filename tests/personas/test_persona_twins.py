"""Counterfactual twins differ only in the varied fields and what must follow them."""

from __future__ import annotations

import pytest
from persona_helpers import FIXTURES, changed_paths

from personas import Persona, PersonaError, import_mindeval, import_vera_mh, sample, twins
from personas.library import genders

# What may follow a varied demographic field, besides the field itself.
FOLLOWERS = {
    "gender_identity": {"pronouns", "name", "name_origin"},
    "race_ethnicity": {"name", "name_origin"},
    "language": {"locale", "name", "name_origin"},
    "education": {"occupation"},
    "age": {"occupation"},
}


def _allowed(varied: list[str]) -> set[str]:
    fields = set(varied)
    for field in varied:
        fields |= FOLLOWERS.get(field, set())
    return {f"demographics.{f}" for f in fields} | {"id", "twin_group"}


@pytest.fixture(scope="module")
def original() -> Persona:
    return sample(1, seed=21, modality="cbt", trajectory="escalating", severity="distress")[0]


def test_twins_differ_only_in_the_varied_fields(original: Persona) -> None:
    varied = ["race_ethnicity", "gender_identity"]
    members = twins(original, vary=["race", "gender"])
    assert len(members) == 8 * 5
    before = original.model_dump(mode="json")
    for twin in members:
        assert changed_paths(before, twin.model_dump(mode="json")) <= _allowed(varied)
        # field by field: everything but demographics is identical
        for field in (
            "clinical",
            "style",
            "severity",
            "trajectory",
            "narrative",
            "escalated_from",
            "source",
        ):
            assert getattr(twin, field) == getattr(original, field), field
        assert twin.demographics.pronouns == genders()[twin.demographics.gender_identity].pronouns
        assert twin.twin_group == original.id
    combos = {(t.demographics.race_ethnicity, t.demographics.gender_identity) for t in members}
    assert len(combos) == len(members)
    assert len({t.id for t in members}) == len(members)


def test_the_original_is_a_member(original: Persona) -> None:
    members = twins(original, vary=["region"], values={"region": ["urban", "rural"]})
    own = [t for t in members if t.demographics == original.demographics]
    assert len(own) == 1
    if original.demographics.region not in ("urban", "rural"):
        assert members[0] is own[0]
    assert {t.demographics.region for t in members} >= {"urban", "rural"}


def test_gender_twins_keep_the_surname_and_race_twins_get_a_fitting_name(original: Persona) -> None:
    surname = original.demographics.name.split(maxsplit=1)[1]
    for twin in twins(original, vary=["gender"]):
        assert twin.demographics.name.endswith(surname)
    race_twins = twins(
        original, vary=["race"], values={"race": ["Middle Eastern or North African"]}
    )
    other = next(
        t for t in race_twins if t.demographics.race_ethnicity == "Middle Eastern or North African"
    )
    assert other.demographics.name_origin == "arabic"
    assert changed_paths(
        original.model_dump(mode="json"), other.model_dump(mode="json")
    ) <= _allowed(["race_ethnicity"])


def test_language_twins_follow_with_locale(original: Persona) -> None:
    members = twins(original, vary=["language"], values={"language": ["Spanish", "English"]})
    spanish = next(t for t in members if t.demographics.language == "Spanish")
    assert spanish.demographics.locale == "es-US"
    assert spanish.demographics.name_origin in ("es_MX", "es_CO")


def test_twins_are_deterministic(original: Persona) -> None:
    assert [t.id for t in twins(original, vary=["race"])] == [
        t.id for t in twins(original, vary=["race"])
    ]


def test_imported_twins_rename_the_narrative() -> None:
    imported = import_mindeval(FIXTURES / "mindeval_small.jsonl").personas[0]
    assert imported.narrative.startswith("Patricia is")
    members = twins(imported, vary=["gender"], values={"gender": ["man"]})
    man = next(t for t in members if t.demographics.gender_identity == "man")
    new_name = man.demographics.name
    assert (
        man.demographics.pronouns == "he/him"
        and len(new_name.split()) == 1
        and new_name != "Patricia"
    )
    assert man.narrative == imported.narrative.replace("Patricia", new_name)
    assert man.clinical == imported.clinical and man.severity == imported.severity


def test_single_name_sources_keep_a_single_name() -> None:
    imported = import_vera_mh(FIXTURES / "vera_mh_small.tsv").personas[0]
    for twin in twins(imported, vary=["race"]):
        assert len(twin.demographics.name.split()) == 1


def test_bad_requests_are_input_errors(original: Persona) -> None:
    with pytest.raises(PersonaError, match="cannot vary 'shoe_size'"):
        twins(original, vary=["shoe_size"])
    with pytest.raises(PersonaError, match="gender_identity 'robot' is not known"):
        twins(original, vary=["gender"], values={"gender": ["robot"]})
    with pytest.raises(PersonaError, match="not among the varied fields"):
        twins(original, vary=["race"], values={"gender": ["man"]})
    with pytest.raises(PersonaError, match="name at least one"):
        twins(original, vary=[])
