"""A problem found in a YAML document (a protocol, a persona file, a sweep spec...), located by its path."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Issue:
    """One problem. `path` locates it in the document; `line` overrides the path lookup."""

    path: Path
    message: str
    line: int | None = None


def line_for(path: Path, lines: Mapping[Path, int]) -> int | None:
    """The line of the deepest part of `path` that the document recorded."""
    for end in range(len(path), 0, -1):
        found = lines.get(path[:end])
        if found is not None:
            return found
    return None


def format_issues(
    issues: Iterable[Issue], source: str, lines: Mapping[Path, int] | None
) -> list[str]:
    """`SOURCE:LINE: message` per issue, ordered by line; `SOURCE: message` without line data."""
    located: list[tuple[int, int, str]] = []
    for order, issue in enumerate(issues):
        line = issue.line
        if line is None and lines is not None:
            line = line_for(issue.path, lines) or 1
        if line is None:
            located.append((0, order, f"{source}: {issue.message}"))
        else:
            located.append((line, order, f"{source}:{line}: {issue.message}"))
    return [text for _, _, text in sorted(located)]


def render_path(path: Path) -> str:
    """`steps[2].transitions[0].to` for ("steps", 2, "transitions", 0, "to")."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
