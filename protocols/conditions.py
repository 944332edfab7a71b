"""Protocol conditions: the shared condition language (`vocabulary.conditions`), with problems
reported as ProtocolError like every other problem of a protocol."""

from __future__ import annotations

from typing import Any

from protocols.errors import ProtocolError
from vocabulary import conditions
from vocabulary.conditions import Condition, describe, truth


def parse_condition(raw: Any) -> Condition:
    """Compile `raw` or raise ProtocolError listing what is wrong with it."""
    try:
        return conditions.parse_condition(raw)
    except conditions.ConditionError as exc:
        raise ProtocolError(exc.problems) from None


def evaluate(condition: Condition | Any, variables: dict[str, Any]) -> bool:
    """True when `condition` (compiled, or raw data) definitely holds for `variables`."""
    compiled = (
        condition if isinstance(condition, conditions.COMPILED) else parse_condition(condition)
    )
    return truth(compiled, variables) is True


__all__ = ["Condition", "describe", "evaluate", "parse_condition"]
