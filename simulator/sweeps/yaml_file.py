"""Read a YAML file into a pydantic model, with `FILE:LINE:` on every problem."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

M = TypeVar("M", bound=BaseModel)
MAX_FILE_BYTES = 1_000_000
MAX_NODES = 100_000  # guards against alias expansion ("billion laughs")

Location = tuple[Any, ...]


@dataclass
class LineMap:
    """The 1-based line of every mapping key and list item of a YAML document, by path."""

    source: str
    lines: dict[Location, int] = field(default_factory=dict)

    def line_of(self, loc: Location) -> int:
        # Pydantic adds union/tag names to locations: drop trailing parts until a known path.
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return 1

    def at(self, loc: Location, message: str) -> str:
        return f"{self.source}:{self.line_of(loc)}: {message}"


def read_model(
    path: Path, model: type[M], error: Callable[[list[str]], Exception]
) -> tuple[M, LineMap]:
    """Parse and validate `path` as `model`; raise `error(problems)` with one line per problem."""
    text = _read_text(path, error)
    return model_from_text(text, str(path), model, error)


def model_from_text(
    text: str, source: str, model: type[M], error: Callable[[list[str]], Exception]
) -> tuple[M, LineMap]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error([f"{source}:{line}: not valid YAML ({reason}); fix the syntax"]) from exc
    lines = LineMap(source)
    if root is None:
        raise error([f"{source}:1: the file is empty"])
    if _count(root) > MAX_NODES:
        raise error([f"{source}:1: the YAML expands to too many values (alias bomb?)"])
    _walk(root, (), lines.lines)
    try:
        return model.model_validate(data), lines
    except ValidationError as exc:
        problems = []
        for detail in exc.errors():
            loc = tuple(detail["loc"])
            where = ".".join(str(p) for p in loc) or "top level"
            problems.append(lines.at(loc, f"{where}: {_message(detail)}"))
        raise error(problems) from exc


def _message(detail: dict) -> str:
    if detail["type"] == "extra_forbidden":
        return "unknown field; check the spelling (see the JSON Schema)"
    return str(detail["msg"]).removeprefix("Value error, ")


def _read_text(path: Path, error: Callable[[list[str]], Exception]) -> str:
    try:
        if not path.is_file():
            raise error([f"{path}:1: file not found"])
        if path.stat().st_size > MAX_FILE_BYTES:
            raise error([f"{path}:1: file is too large (limit {MAX_FILE_BYTES:,} bytes)"])
        raw = path.read_bytes()
    except OSError as exc:
        raise error([f"{path}:1: cannot read the file ({exc.strerror or exc})"]) from exc
    if b"\x00" in raw:
        raise error([f"{path}:1: this is a binary file, not YAML text"])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error([f"{path}:{line}: not UTF-8 text; save it as UTF-8"]) from exc


def _count(root: Node) -> int:
    stack, count = [root], 0
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_NODES:
            return count
        if isinstance(node, MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return count


def _walk(node: Node, path: Location, lines: dict[Location, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode):
                lines[(*path, key.value)] = key.start_mark.line + 1
                _walk(value, (*path, key.value), lines)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)
