"""Persona files through the shared line-aware loader (`vocabulary.yaml_source`), and
validation errors as `FILE:LINE: field: message` problems (the CLI's error format)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from vocabulary.yaml_model import document_from_text, read_document
from vocabulary.yaml_source import YamlDocument

Loc = tuple[str | int, ...]
Located = YamlDocument  # a persona file's data with the line of every value


def parse_yaml_text(text: str, source: str = "<text>") -> YamlDocument:
    """Parse YAML (or JSON) text with the shared loader; raises PersonaError with `FILE:LINE`."""
    from personas.errors import PersonaError

    return document_from_text(text, source, PersonaError)


def load_located(path: Path) -> YamlDocument:
    """Read and parse a YAML or JSON file; raises PersonaError with `FILE:LINE` problems."""
    from personas.errors import PersonaError

    return read_document(path, PersonaError)


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
