"""How chat messages become a plain transcript for the embedded base model."""

from simulator.models.local.transcript import render, stop_sequences

MESSAGES = [
    {"role": "system", "content": "A therapy session."},
    {"role": "assistant", "name": "Therapist", "content": "How was your week?"},
    {"role": "user", "name": "Patient", "content": "Hard.\nI avoided   the road."},
    {"role": "system", "content": "Current step: exposure."},
]


def test_renders_labelled_lines_and_ends_with_the_next_speaker():
    prompt = render(MESSAGES)
    assert prompt.endswith("\nTherapist:")
    assert "Therapist: How was your week?\nPatient: Hard. I avoided the road." in prompt


def test_trailing_guidance_joins_the_header_so_the_turns_stay_an_appendable_prefix():
    prompt = render(MESSAGES)
    header, _, body = prompt.partition("\n\n")
    assert header == "A therapy session.\nCurrent step: exposure."
    assert "[" not in body, "a note right before the label gets copied by a base model"
    longer = render(
        [
            *MESSAGES[:3],
            {"role": "assistant", "name": "Therapist", "content": "Go on."},
            {"role": "user", "name": "Patient", "content": "Okay."},
            MESSAGES[3],
        ]
    )
    assert longer.startswith(prompt.removesuffix("Therapist:"))


def test_json_output_puts_per_turn_notes_last_then_the_json_cue():
    prompt = render(MESSAGES, json_output=True)
    assert prompt.startswith("A therapy session.\n\nTherapist: How was your week?")
    assert prompt.endswith("I avoided the road.\n\nCurrent step: exposure.\nJSON: ")


def test_stops_at_a_blank_line_or_any_speaker_label():
    stops = stop_sequences(MESSAGES)
    assert "\n\n" in stops and "\nPatient:" in stops and "\nTherapist:" in stops
