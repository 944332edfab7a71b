"""Pydantic validation errors turned into located, readable issues."""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError

from protocols.model import Measure, Phase, Protocol, Step, Transition
from vocabulary.issues import Issue, Path, render_path


def schema_issues(data: dict[str, Any]) -> list[Issue]:
    """Every schema/type problem pydantic finds in `data`, as issues."""
    try:
        Protocol.model_validate(data)
    except ValidationError as exc:
        return [_translate(error, data) for error in exc.errors(include_url=False)]
    return []


def where(path: Path, data: Any) -> str:
    """`step 'check_in', transitions[0].to` / `start`: a readable location inside the document."""
    steps = data.get("steps") if isinstance(data, dict) else None
    if (
        len(path) >= 2
        and path[0] == "steps"
        and isinstance(path[1], int)
        and isinstance(steps, list)
    ):
        step = steps[path[1]] if path[1] < len(steps) else None
        step_id = step.get("id") if isinstance(step, dict) else None
        name = f"step '{step_id}'" if isinstance(step_id, str) else f"steps[{path[1]}]"
        rest = render_path(path[2:])
        return f"{name}, {rest}" if rest else name
    return render_path(path)


def _translate(error: dict[str, Any], data: dict[str, Any]) -> Issue:
    path: Path = tuple(part for part in error["loc"] if isinstance(part, (str, int)))
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        return Issue(path, _joined(where(path[:-1], data), f"missing required field '{path[-1]}'"))
    if kind == "extra_forbidden":
        allowed = _fields_at(path[:-1])
        close = difflib.get_close_matches(str(path[-1]), allowed, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else f" (allowed: {', '.join(allowed)})"
        return Issue(path, _joined(where(path[:-1], data), f"unknown field '{path[-1]}'{hint}"))
    return Issue(path, _joined(where(path, data), _detail(kind, error["msg"], value, path)))


def _detail(kind: str, message: str, value: Any, path: Path) -> str:
    if kind == "string_type" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'must be text, not the number {value} (quote it in YAML: "{value}")'
    if kind == "string_type":
        return f"must be text, not {_kind(value)}"
    if kind == "string_pattern_mismatch":
        return f"{value!r} must start with a letter and use only letters, digits, _ and -"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "too_short" and path == ("steps",):
        return "a protocol needs at least one step"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be a mapping of fields, not {_kind(value)}"
    if kind == "list_type":
        return f"must be a list, not {_kind(value)}"
    if kind in ("int_type", "int_from_float"):
        return f"must be a whole number, not {_kind(value)}"
    if kind == "bool_type":
        return f"must be true or false, not {_kind(value)}"
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    text = message[:1].lower() + message[1:]
    return f"{text} (got {_kind(value)})"


def _fields_at(path: Path) -> list[str]:
    shape = tuple("#" if isinstance(part, int) else part for part in path)
    model: type[BaseModel] = {
        (): Protocol,
        ("steps", "#"): Step,
        ("steps", "#", "transitions", "#"): Transition,
        ("steps", "#", "measures", "#"): Measure,
        ("phases", "#"): Phase,
    }.get(shape, Protocol)
    return list(model.model_fields)


def _joined(location: str, detail: str) -> str:
    return f"{location}: {detail}" if location else detail


def _kind(value: Any) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
