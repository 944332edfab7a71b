"""Read a YAML data file into a pydantic model, with `FILE:LINE:` on every problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from simulator.judges.errors import JudgeError

M = TypeVar("M", bound=BaseModel)
MAX_FILE_BYTES = 2_000_000


def read_model(path: Path, model: type[M]) -> M:
    """Parse and validate `path` as `model`, or raise JudgeError with one line per problem."""
    text = _read_text(path)
    return model_from_text(text, str(path), model)


def model_from_text(text: str, source: str, model: type[M]) -> M:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise JudgeError(f"{source}:{line}: not valid YAML ({reason})") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = _line_map(root)
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            where = ".".join(str(p) for p in loc) or "top level"
            problems.append(f"{source}:{_line_of(lines, loc)}: {where}: {error['msg']}")
        raise JudgeError(problems) from exc


def _read_text(path: Path) -> str:
    try:
        if not path.is_file():
            raise JudgeError(f"{path}:1: file not found")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise JudgeError(f"{path}:1: file is too large (limit {MAX_FILE_BYTES:,} bytes)")
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise JudgeError(f"{path}:1: not UTF-8 text") from exc
    except OSError as exc:
        raise JudgeError(f"{path}:1: cannot read the file ({exc.strerror or exc})") from exc


def _line_map(root: Node | None) -> dict[tuple[Any, ...], int]:
    """The 1-based line of every mapping value and list item, by its path."""
    lines: dict[tuple[Any, ...], int] = {}

    def walk(node: Node, path: tuple[Any, ...]) -> None:
        lines[path] = node.start_mark.line + 1
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(key, ScalarNode):
                    lines[(*path, key.value)] = key.start_mark.line + 1
                    walk(value, (*path, key.value))
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, index))

    if root is not None:
        walk(root, ())
    return lines


def _line_of(lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int:
    # Pydantic adds union/tag names to locations: drop trailing parts until a known path.
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1
