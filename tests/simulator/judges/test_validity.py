"""The simulator checks itself: a broken patient is flagged, never scored as the therapist's."""

from __future__ import annotations

from simulator.judges import build_view, check_simulator


def _view(patient_lines, therapist_line="Go on."):
    turns = []
    for number, line in enumerate(patient_lines):
        turns.append({"index": 2 * number, "speaker": "therapist", "text": therapist_line})
        turns.append({"index": 2 * number + 1, "speaker": "patient", "text": line})
    return build_view(turns)


def test_a_patient_that_says_the_same_line_three_times_fails():
    line = "Some days I wish I could go to sleep and not wake up."
    validity = check_simulator(_view([line, line.upper(), "Okay.", line + " Really."]))
    (problem,) = validity.problems
    assert not validity.valid and problem.check == "repetition"
    assert problem.turns == (1, 3, 7) and "3 times" in problem.detail
    assert check_simulator(_view([line, line, "Okay."])).valid  # twice is not yet a pattern


def test_a_patient_speaking_as_the_therapist_or_narrating_fails():
    for line in (
        "Therapist: How does that make you feel?",
        "As an AI, I can't have feelings.",
        "The patient sighs and looks away.",
    ):
        (problem,) = check_simulator(_view([line])).problems
        assert problem.check == "out_of_role", line
    assert check_simulator(_view(["My therapist said I should try journaling."])).valid


def test_words_that_disclose_more_than_the_self_report_are_a_problem():
    states = [{"turn": 1, "risk": "moderate", "events": ["risk_from_words:active_thoughts"]}]
    (problem,) = check_simulator(_view(["I keep thinking about ending it."]), states).problems
    assert problem.check == "self_report" and problem.turns == (1,)


def test_a_stated_age_must_match_the_persona():
    persona = {"demographics": {"age": 52}}
    (problem,) = check_simulator(_view(["I'm 34 and I feel old."]), persona=persona).problems
    assert problem.check == "persona" and "52" in problem.detail
    assert check_simulator(_view(["When I was 19 it happened."]), persona=persona).valid
    assert check_simulator(_view(["I'm 52, for what it's worth."]), persona=persona).valid


def test_a_pe_patient_denying_its_trauma_breaks_its_persona():
    persona = {"clinical": {"modality": "pe", "trauma_type": "motor_vehicle_accident"}}
    (problem,) = check_simulator(
        _view(["Honestly nothing bad has ever happened to me."]), persona=persona
    ).problems
    assert problem.check == "persona" and "motor_vehicle_accident" in problem.detail
    assert check_simulator(_view(["The crash still replays every night."]), persona=persona).valid


def test_an_ingested_transcript_is_not_checked():
    validity = check_simulator(_view(["x", "x", "x"]), simulated=False)
    assert not validity.checked and validity.valid
