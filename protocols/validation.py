"""Validate protocol documents: schema, ids, conditions and the step graph, every problem
located `FILE:LINE: message`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from protocols.checks import structure_issues
from protocols.errors import ProtocolError
from protocols.model import Protocol
from protocols.schema_errors import schema_issues
from vocabulary.issues import Issue, format_issues
from vocabulary.yaml_source import parse_yaml, read_text

_TOP_KEYS = "id, name, version, modality, description, start, variables, steps"


def document_issues(data: Any) -> list[Issue]:
    """Every problem in a parsed protocol document: schema, ids, conditions, graph."""
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({type(data).__name__})"
        return [
            Issue(
                (),
                f"a protocol file is a mapping with keys {_TOP_KEYS}; this file holds {kind}",
                line=1,
            )
        ]
    issues = schema_issues(data) + structure_issues(data)
    unique: dict[tuple[Any, str], Issue] = {}
    for issue in issues:
        unique.setdefault((issue.path, issue.message), issue)
    return list(unique.values())


def check_text(text: str, source: str) -> tuple[Protocol | None, list[str]]:
    """Parse and validate YAML text; (protocol, []) when valid, else (None, problems)."""
    document, issues = parse_yaml(text)
    if document is None:
        return None, format_issues(issues, source, {})
    problems = format_issues(issues + document_issues(document.data), source, document.lines)
    if problems:
        return None, problems
    return Protocol.model_validate(document.data), []


def check_file(path: str | os.PathLike[str]) -> tuple[Protocol | None, list[str]]:
    """Read and validate one file; (protocol, []) when valid, else (None, problems)."""
    file = Path(path)
    text, issue = read_text(file)
    if text is None:
        return None, format_issues([issue] if issue else [], str(path), {})
    protocol, problems = check_text(text, str(path))
    if protocol is not None:
        protocol._source = file
    return protocol, problems


def validate_file(path: str | os.PathLike[str]) -> list[str]:
    """Every problem in the file, each `FILE:LINE: message`; empty when it is valid."""
    return check_file(path)[1]


def protocol_from_data(data: Any, source: str = "<data>") -> Protocol:
    """Validate in-memory protocol data fully (schema and graph), or raise ProtocolError."""
    problems = format_issues(document_issues(data), source, None)
    if problems:
        raise ProtocolError(problems)
    return Protocol.model_validate(data)
