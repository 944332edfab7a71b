"""A tiny stand-in for the session engine: walks a protocol under scripted variables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from protocols import Protocol

# patient(step_id, turns_in_step, turn) -> the variables after that exchange
Script = Callable[[str, int, int], dict[str, Any]]


def walk(
    protocol: Protocol, script: Script, turn_limit: int = 200
) -> tuple[list[str], dict[str, int]]:
    """The steps visited from start to a terminal step, and the turns spent in each visit."""
    step, path, spent = protocol.start, [protocol.start], {}
    turn = turns_in_step = 0
    while not protocol.step(step).terminal:
        turn += 1
        turns_in_step += 1
        assert turn <= turn_limit, f"no terminal step after {turn_limit} turns; path so far {path}"
        variables = {
            **script(step, turns_in_step, turn),
            "turn": turn,
            "turns_in_step": turns_in_step,
        }
        following = protocol.next_step(step, variables)
        if following != step:
            spent[f"{len(path) - 1}:{step}"] = turns_in_step
            path.append(following)
            step, turns_in_step = following, 0
    return path, spent
