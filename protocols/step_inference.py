"""Place a transcript's therapist turns on a protocol's steps from the steps' cues.

An ingested chat log records who said what, not where in the protocol it was. Walking the
step graph forward, each therapist turn moves to the nearest step (by transitions, up to
`MAX_HOPS` ahead, crisis steps included) whose cues it matches, or stays where it was. The
walk never moves back: a session does not return to its check-in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from protocols.model import Protocol

MAX_HOPS = 3


def infer_steps(
    protocol: Protocol,
    therapist_texts: Sequence[str],
    may_enter: Callable[[str, int], bool] | None = None,
) -> list[str]:
    """The step of each therapist turn, in order (the protocol's start until a cue moves it).
    `may_enter(step_id, position)` can forbid a step at a turn (a crisis step before the
    patient disclosed any risk: a hotline pasted into an exercise is not a crisis)."""
    cues = _cue_patterns(protocol)
    ahead: dict[str, tuple[str, ...]] = {}
    current = protocol.start
    steps: list[str] = []
    for position, text in enumerate(therapist_texts):
        text = text.replace("\u2019", "'")
        if not (cues.get(current) and cues[current].search(text)):
            if current not in ahead:
                ahead[current] = _ahead(protocol, current)
            for candidate in ahead[current]:
                allowed = may_enter is None or may_enter(candidate, position)
                if allowed and cues.get(candidate) is not None and cues[candidate].search(text):
                    current = candidate
                    break
        steps.append(current)
    return steps


def _cue_patterns(protocol: Protocol) -> dict[str, re.Pattern]:
    return {
        step.id: re.compile("|".join(f"(?:{c})" for c in step.cues), re.IGNORECASE)
        for step in protocol.steps
        if step.cues
    }


def _ahead(protocol: Protocol, start: str) -> tuple[str, ...]:
    """Steps reachable from `start`, nearest first, up to MAX_HOPS transitions away."""
    seen, frontier, order = {start}, [start], []
    for _ in range(MAX_HOPS):
        following = []
        for step_id in frontier:
            for transition in protocol.step(step_id).transitions:
                if transition.to not in seen:
                    seen.add(transition.to)
                    following.append(transition.to)
        order.extend(following)
        frontier = following
    return tuple(order)
