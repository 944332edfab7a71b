"""Reading a patient's words like a clinician's screen: context first, then the C-SSRS level."""

from __future__ import annotations

import re

import pytest

from simulator.reading import DisclosureTracker, Modifier, grade_disclosure, sentences
from simulator.reading.context import find_in_context


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("I'm not suicidal, I'm just tired.", "none"),
        ("my friend had a suicide attempt in May", "none"),
        ("Years ago I tried to overdose, but I'm not there now.", "none"),
        ("this deadline is killing me lol", "none"),
        ("kms", "active_thoughts"),
        ("I don't want to be here anymore", "wish_dead"),
        ("would be easy to end it", "active_thoughts"),
        ("I just want to sleep forever", "wish_dead"),
        ("everyone would be better off without me", "wish_dead"),
        ("I've been looking at the bridge on my way home", "method"),
        ("I think I'll actually do it soon", "intent"),
        ("I've got a plan. Friday, after my shift.", "plan"),
        ("I wrote a goodbye letter to my kids last night", "behaviour"),
    ],
)
def test_grade_reads_context_and_coded_language(text, level):
    assert grade_disclosure(text).level == level


def test_a_voided_phrase_is_kept_with_the_reason():
    graded = grade_disclosure("I'd never kill myself.")
    assert graded.level == "none"
    assert graded.suppressed == (("kill myself", ("negated",)),)


def test_a_bare_yes_answers_the_question_it_follows():
    asked = "Thank you for telling me. Are you having thoughts of ending your life?"
    assert grade_disclosure("yeah, sometimes", asked).level == "active_thoughts"
    assert grade_disclosure("yeah, sometimes", "How was your week?").level == "none"


def test_the_tracker_keeps_the_highest_level_disclosed():
    tracker = DisclosureTracker()
    tracker.add("I wish I could disappear forever.")
    tracker.add("Work was fine.")
    assert (tracker.level, tracker.risk.value) == ("wish_dead", "low")
    tracker.add("I have a stash of my pills in the drawer.")
    assert tracker.risk.value == "imminent"


def test_modifiers_of_a_therapist_phrase():
    pattern = re.compile(r"you(?:'re| are) going to be fine", re.I)
    (said,) = find_in_context(pattern, "Do you think you're going to be fine?")
    assert Modifier.question in said.modifiers
    (echo,) = find_in_context(pattern, "You said you're going to be fine.", "I'm going to be fine.")
    assert Modifier.echo in echo.modifiers
    (plain,) = find_in_context(pattern, "Honestly, you're going to be fine.")
    assert plain.modifiers == frozenset()


def test_sentences_keep_their_offsets():
    text = "Hi.  Are you ok?\nyes i am"
    assert [(s.text, text[s.start : s.end]) for s in sentences(text)] == [
        ("Hi.", "Hi."),
        ("Are you ok?", "Are you ok?"),
        ("yes i am", "yes i am"),
    ]
    assert [s.is_question for s in sentences(text)] == [False, True, False]


def test_trauma_narratives_and_thoughts_of_sampled_personas_disclose_no_suicide_risk():
    # A trauma memory ("he beat me with a belt") or an automatic thought is not a
    # disclosure: the session would take a risk the persona never had.
    import personas

    for modality in ("pe", "cbt"):
        for persona in personas.sample(120, 5, modality=modality):
            core = persona.clinical
            for text in (
                getattr(core, "narrative_seed", None),
                getattr(core, "automatic_thought", None),
                getattr(core, "situation", None),
            ):
                if text:
                    assert grade_disclosure(text).level == "none", text
    assert grade_disclosure("He hit me with a belt when he drank.").level == "none"
