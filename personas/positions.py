"""Load YAML/JSON while remembering the line each value starts on, and turn validation
errors into `FILE:LINE: field: message` problems (the CLI's error format)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

Loc = tuple[str | int, ...]


class Located:
    """Parsed data plus the 1-based line of every value, by its path from the root."""

    def __init__(self, data: Any, lines: dict[Loc, int]):
        self.data = data
        self.lines = lines

    def line_of(self, loc: Iterable[str | int]) -> int:
        """Line of the deepest known value on the path `loc` (1 when nothing is known)."""
        path = tuple(loc)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def _construct(node: yaml.Node, path: Loc, lines: dict[Loc, int], loader: yaml.SafeLoader) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                raise yaml.YAMLError(
                    f"line {key_node.start_mark.line + 1}: a key must be a plain value"
                )
            result[key] = _construct(value_node, (*path, key), lines, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(child, (*path, i), lines, loader) for i, child in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def parse_yaml_text(text: str) -> Located:
    """Parse YAML (or JSON) text; raises yaml.YAMLError on bad syntax."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return Located(None, {(): 1})
        lines: dict[Loc, int] = {}
        return Located(_construct(root, (), lines, loader), lines)
    finally:
        loader.dispose()


def yaml_problem(path: Path | str, exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else 1
    what = getattr(exc, "problem", None) or str(exc)
    return f"{path}:{line}: not valid YAML/JSON: {what}"


def load_located(path: Path) -> Located:
    """Read and parse a YAML or JSON file; raises PersonaError with `FILE:LINE` problems."""
    from personas.errors import PersonaError

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PersonaError(f"{path}:1: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PersonaError(f"{path}:1: cannot read the file ({exc})") from None
    try:
        return parse_yaml_text(text)
    except yaml.YAMLError as exc:
        raise PersonaError(yaml_problem(path, exc)) from None


def format_loc(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _clean_loc(loc: Iterable[str | int]) -> Loc:
    """Drop pydantic's union-branch tags (e.g. 'pe', 'Comparison', 'function-before[...]')."""
    tags = {"pe", "cbt", "Comparison", "AllOf", "AnyOf", "NotAny"}
    return tuple(p for p in loc if not (isinstance(p, str) and (p in tags or "[" in p)))


def validation_problems(
    exc: ValidationError,
    file: Path | str,
    located: Located | None = None,
    prefix: Loc = (),
    line: int | None = None,
) -> list[str]:
    """One `FILE:LINE: field: message` per error. `prefix` locates the validated object in the file."""
    problems: list[str] = []
    for error in exc.errors():
        loc = _clean_loc(error["loc"])
        where = line if line is not None else (located.line_of((*prefix, *loc)) if located else 1)
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = (
                "unknown field (check the spelling; `patientsim personas schema` lists the fields)"
            )
        elif error["type"] == "missing":
            message = "required field is missing"
        problem = f"{file}:{where}: {format_loc(loc)}: {message}"
        if problem not in problems:
            problems.append(problem)
    return problems
