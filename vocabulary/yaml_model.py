"""Read a YAML file into a pydantic model, with `FILE:LINE: field: message` on every problem."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from vocabulary.errors import InputProblem
from vocabulary.issues import format_issues
from vocabulary.yaml_source import YamlDocument, parse_yaml, read_text

M = TypeVar("M", bound=BaseModel)
ErrorFactory = Callable[[list[str]], InputProblem]


def read_document(path: Path, error: ErrorFactory) -> YamlDocument:
    """The file parsed with its lines, or `error(problems)` naming `FILE:LINE` of each."""
    text, problem = read_text(Path(path))
    if problem is not None:
        raise error(format_issues([problem], str(path), None))
    return document_from_text(text or "", str(path), error)


def document_from_text(text: str, source: str, error: ErrorFactory) -> YamlDocument:
    document, issues = parse_yaml(text)
    if document is None or issues:
        raise error(format_issues(issues, source, document.lines if document else None))
    document.source = source
    return document


def read_model(path: Path, model: type[M], error: ErrorFactory) -> tuple[M, YamlDocument]:
    """Parse and validate `path` as `model`; raise `error(problems)` with one line per problem."""
    document = read_document(path, error)
    return validate(document, str(path), model, error), document


def model_from_text(
    text: str, source: str, model: type[M], error: ErrorFactory
) -> tuple[M, YamlDocument]:
    document = document_from_text(text, source, error)
    return validate(document, source, model, error), document


def validate(document: YamlDocument, source: str, model: type[M], error: ErrorFactory) -> M:
    try:
        return model.model_validate(document.data)
    except ValidationError as exc:
        raise error(validation_problems(exc, source, document)) from exc


def validation_problems(
    exc: ValidationError, source: str, document: YamlDocument | None, prefix: tuple = ()
) -> list[str]:
    """One `FILE:LINE: field: message` per error; `prefix` locates the model in the file."""
    problems: list[str] = []
    for detail in exc.errors():
        loc = tuple(detail["loc"])
        line = document.line_of((*prefix, *loc)) if document is not None else 1
        problem = f"{source}:{line}: {dotted(loc)}: {_message(detail)}"
        if problem not in problems:
            problems.append(problem)
    return problems


def dotted(loc: Iterable[str | int]) -> str:
    """`steps[2].to` for ("steps", 2, "to"); pydantic's union-branch tags are kept out."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif "[" not in part:
            text += f".{part}" if text else part
    return text or "top level"


def _message(detail: dict) -> str:
    if detail["type"] == "extra_forbidden":
        return "unknown field; check the spelling (the JSON Schema lists the fields)"
    if detail["type"] == "missing":
        return "required field is missing"
    return str(detail["msg"]).removeprefix("Value error, ")
