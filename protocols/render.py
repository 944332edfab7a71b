"""Plain-text views of a protocol: an overview for prompts and a tree for the terminal."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from vocabulary.conditions import describe

if TYPE_CHECKING:
    from protocols.model import Protocol, Step


def overview(protocol: Protocol) -> str:
    """Steps in order with their goals and where each leads: for a therapist's system prompt."""
    lines = [
        f"Protocol: {protocol.name} (version {protocol.version})",
        "",
        _wrap(protocol.description, ""),
        "",
    ]
    lines.append(f"The session starts at step '{protocol.start}'. Steps:")
    for number, step in enumerate(protocol.steps, 1):
        lines.append("")
        lines.append(f"{number}. {step.title} [step '{step.id}', phase {step.phase}]")
        if step.terminal:
            lines.append("   The session ends here.")
            continue
        lines.append(_wrap(f"Goal: {step.therapist_goal}", "   "))
        for transition in step.transitions:
            target = protocol.step(transition.to).title
            lines.append(_wrap(f"Then: '{target}' when {describe(transition.condition)}.", "   "))
    return "\n".join(lines) + "\n"


def tree(protocol: Protocol) -> str:
    """A readable tree of steps, phases and transitions (`patientsim protocols show`)."""
    lines = [
        f"{protocol.name}",
        f"  id {protocol.id}, version {protocol.version}, modality {protocol.modality}, {len(protocol.steps)} steps",
        f"  reads: {', '.join(protocol.variables) or '(no variables)'}",
        f"  start: {protocol.start}",
    ]
    if protocol.phases:
        lines.append(
            "  phases: " + "; ".join(f"{phase.id} ({phase.title})" for phase in protocol.phases)
        )
    lines.append("")
    for index, step in enumerate(protocol.steps):
        last = index == len(protocol.steps) - 1
        lines.append(("└── " if last else "├── ") + _step_line(step))
        stem = "    " if last else "│   "
        for order, transition in enumerate(step.transitions):
            arrow = "└─" if order == len(step.transitions) - 1 else "├─"
            label = f" [{transition.label}]" if transition.label else ""
            lines.append(
                f"{stem}{arrow} {order + 1}. -> {transition.to}{label}  when {describe(transition.condition)}"
            )
    return "\n".join(lines) + "\n"


def _step_line(step: Step) -> str:
    turns = (
        f"{step.min_turns}-{step.max_turns}" if step.max_turns is not None else f"{step.min_turns}+"
    )
    kind = "terminal" if step.terminal else f"turns {turns}"
    return f"{step.id}: {step.title}  ({step.phase}; {kind})"


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(
        " ".join(text.split()), width=96, initial_indent=indent, subsequent_indent=indent
    )
