"""Render chat messages as a plain transcript for a base (non-instruction-tuned) model.

The embedded model has no chat template: chat-formatted prompts give junk, while a short
header followed by `Label: line` turns, ending with the next speaker's label, gives short
on-topic lines. System messages that come after the conversation (per-turn guidance such as
the current protocol step) join the header when the model is to speak: right before the
label, a base model copies them instead of speaking; they change only when the step changes,
so within a step the prompt grows by appending and the KV cache is reused. When the model is
to answer in JSON (a grammar forces the shape, so nothing gets copied) they come last, right
before the JSON cue: they change every turn (the patient's current state), and at the end
they leave the whole transcript above them as a reusable prefix.
"""

from __future__ import annotations

DEFAULT_LABELS = {"user": "User", "assistant": "Assistant"}
JSON_CUE = "JSON:"


def label_of(message: dict) -> str:
    return str(message.get("name") or DEFAULT_LABELS.get(message.get("role", ""), "User"))


def render(
    messages: list[dict], *, next_label: str | None = None, json_output: bool = False
) -> str:
    header: list[str] = []
    turns: list[str] = []
    trailing_notes: list[str] = []
    for message in messages:
        content = str(message.get("content") or "").strip()
        if message.get("role") == "system":
            (trailing_notes if turns else header).append(content)
            continue
        # A system note between turns belongs to the past: fold it into the transcript in place.
        if trailing_notes:
            turns.extend(f"[{note}]" for note in trailing_notes)
            trailing_notes = []
        turns.append(f"{label_of(message)}: {' '.join(content.split())}")
    top = header if json_output else [*header, *trailing_notes]
    parts = ["\n".join(top).strip()] if top else []
    if turns:
        parts.append("\n".join(turns))
    if json_output and trailing_notes:
        parts.append("\n".join(trailing_notes))
    prompt = "\n\n".join(p for p in parts if p)
    if json_output:
        return f"{prompt}\n{JSON_CUE} "
    return f"{prompt}\n{next_label or speaker_to_continue(messages)}:"


def speaker_to_continue(messages: list[dict]) -> str:
    for message in reversed(messages):
        if message.get("role") == "assistant":
            return label_of(message)
    return DEFAULT_LABELS["assistant"]


def stop_sequences(messages: list[dict], next_label: str | None = None) -> list[str]:
    labels = {label_of(m) for m in messages if m.get("role") in ("user", "assistant")}
    labels.add(next_label or speaker_to_continue(messages))
    labels.update(("Therapist", "Patient", "User", "Assistant"))
    return ["\n\n", *sorted(f"\n{label}:" for label in labels), "\n["]
