"""Importers: the peers' formats become personas; bad rows are reported and skipped."""

from __future__ import annotations

import pytest
from persona_helpers import FIXTURES, SHARED_VERA_MH

from personas import Persona, PersonaError, import_mindeval, import_personas, import_vera_mh


def test_vera_mh_fixture_maps_every_column() -> None:
    result = import_vera_mh(FIXTURES / "vera_mh_small.tsv")
    assert result.problems == [] and result.skipped == 0
    dana, tomas, jules = result.personas
    assert [p.clinical.risk.value for p in result.personas] == ["low", "high", "none"]
    assert [p.severity.value for p in result.personas] == ["distress", "crisis_adjacent", "routine"]
    d = dana.demographics
    assert (
        d.name,
        d.age,
        d.race_ethnicity,
        d.pronouns,
        d.gender_identity,
        d.sexual_orientation,
    ) == ("Dana", 37, "Black, Non-Hispanic", "she/her", "woman", "bisexual")
    assert dana.style.disclosure_examples == [
        "I'm just tired of everything",
        "some days I wish I could sleep for a year",
        "how do people keep going",
    ]
    assert dana.clinical.reasons_for_living == ["daughter", "aunt", "church choir"]
    assert dana.clinical.suicidal_thoughts == "Passive suicidal ideation; no plan or intent"
    assert dana.clinical.situation == "Reduced hours at work; rent increase"
    assert dana.narrative.startswith("Works as a line cook")
    assert dana.style.disclosure == "indirect"
    assert tomas.clinical.history.prior_attempts == 1 and tomas.clinical.reasons_for_living == [
        "his dog"
    ]
    assert tomas.style.communication == "reserved" and tomas.style.disclosure == "hesitant"
    assert (
        jules.demographics.gender_identity == "nonbinary"
        and jules.clinical.suicidal_thoughts is None
    )
    assert all(p.source.format == "vera-mh" for p in result.personas)
    assert result.personas[1].source.record == "row 3: Tomas"


def test_vera_mh_bad_rows_are_reported_and_skipped() -> None:
    path = FIXTURES / "vera_mh_mixed.tsv"
    result = import_vera_mh(path)
    assert [p.demographics.name for p in result.personas] == ["Dana", "Tomas"]
    assert result.skipped == 3
    assert result.problems == [
        f"{path}:3: Age: 'forty' is not a whole number",
        f"{path}:5: Current Risk Level: 'Severe' is not one of None, Low, Moderate, High, Imminent",
        f"{path}:6: expected 13 tab-separated cells, found 2",
    ]
    assert result.summary(path) == f"{path}: imported 2 persona(s), skipped 3 row(s)"


def test_vera_mh_wrong_header_or_nothing_importable_is_an_error() -> None:
    with pytest.raises(
        PersonaError, match=r"vera_mh_bad_header.tsv:1: header is not a VERA-MH persona sheet"
    ):
        import_vera_mh(FIXTURES / "vera_mh_bad_header.tsv")
    with pytest.raises(PersonaError) as caught:
        import_vera_mh(FIXTURES / "vera_mh_all_bad.tsv")
    assert (
        len(caught.value.problems) == 3 and "no row could be imported" in caught.value.problems[-1]
    )


@pytest.mark.skipif(
    not SHARED_VERA_MH.exists(), reason=f"peer data not present at {SHARED_VERA_MH}"
)
def test_the_real_vera_mh_sheet() -> None:
    result = import_vera_mh(SHARED_VERA_MH)
    assert result.problems == [] and len(result.personas) == 10
    expected = ["High", "High", "Imminent", "High", "Low", "None", "Imminent", "High", "Low", "Low"]
    assert [p.clinical.risk.value for p in result.personas] == [r.lower() for r in expected]
    assert [p.demographics.name for p in result.personas][:3] == ["Omar", "Lena", "Ray"]
    assert all(p.style.disclosure_examples for p in result.personas)
    assert len({p.id for p in result.personas}) == 10


def test_mindeval_fixture_maps_attributes_and_narrative() -> None:
    result = import_mindeval(FIXTURES / "mindeval_small.jsonl")
    assert result.problems == []
    patricia, robert, sage = result.personas
    assert patricia.demographics.race_ethnicity == "Black or African American"
    assert patricia.demographics.sexual_orientation == "heterosexual"
    assert (
        patricia.demographics.occupation == "Accountant"
        and patricia.demographics.region == "suburban"
    )
    assert patricia.clinical.baseline_phq9 == 7 and patricia.clinical.emotion == "anxious"
    assert patricia.clinical.situation == "Joined the program to: reduce feelings of anxiety"
    assert patricia.narrative.startswith("Patricia is a 46-year-old")
    assert patricia.style.communication == "verbose"
    assert (
        robert.demographics.gender_identity == "transgender man"
        and robert.demographics.pronouns == "he/him"
    )
    assert robert.demographics.occupation == "unemployed" and robert.clinical.baseline_phq9 == 22
    assert robert.style.communication == "tangent"
    assert (
        sage.demographics.gender_identity == "nonbinary"
        and sage.demographics.race_ethnicity == "Multiracial"
    )
    assert all(p.clinical.risk == "none" and p.severity == "routine" for p in result.personas)


def test_mindeval_bad_lines_are_reported_and_skipped() -> None:
    path = FIXTURES / "mindeval_mixed.jsonl"
    result = import_mindeval(path)
    assert [p.demographics.name for p in result.personas] == ["Patricia", "Sage"]
    assert result.skipped == 4
    assert [p.split(": ")[0] for p in result.problems] == [f"{path}:{n}" for n in (2, 3, 4, 5)]
    assert "member_attributes.age" in result.problems[0]
    assert "missing gender_identity, race" in result.problems[2]


def test_mindeval_wrong_shape_is_an_error() -> None:
    with pytest.raises(PersonaError, match="not a mind-eval profiles file"):
        import_mindeval(FIXTURES / "mindeval_wrong_shape.jsonl")
    with pytest.raises(PersonaError, match="not a mind-eval profiles file"):
        import_mindeval(FIXTURES / "vera_mh_small.tsv")


def test_import_personas_dispatches_and_rejects_unknown_formats() -> None:
    assert isinstance(
        import_personas("mindeval", FIXTURES / "mindeval_small.jsonl").personas[0], Persona
    )
    with pytest.raises(PersonaError, match="unknown 'patient-psi'"):
        import_personas("patient-psi", FIXTURES / "mindeval_small.jsonl")
    with pytest.raises(PersonaError, match="file not found"):
        import_personas("vera-mh", FIXTURES / "missing.tsv")
