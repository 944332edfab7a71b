"""What importers share: the result type, mapping tables and keyword matching."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from personas.errors import PersonaError
from personas.schema import Persona


@dataclass
class ImportResult:
    """Personas imported from one file, and one `FILE:ROW: what` problem per skipped row."""

    personas: list[Persona] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: int = 0

    def summary(self, path: str | Path) -> str:
        return f"{path}: imported {len(self.personas)} persona(s), skipped {self.skipped} row(s)"

    def require_some(self, path: str | Path) -> ImportResult:
        """A file from which nothing could be imported is an input error."""
        if not self.personas:
            raise PersonaError(
                [*self.problems, f"{path}:1: no row could be imported ({self.summary(path)})"]
            )
        return self


@cache
def mapping(name: str) -> dict[str, Any]:
    """An importer's mapping table (YAML beside the code)."""
    return yaml.safe_load((Path(__file__).parent / f"{name}.yaml").read_text(encoding="utf-8"))


def pick_by_keyword(text: str, rules: list[list[str]], default: str) -> str:
    lowered = text.lower()
    return next((value for keyword, value in rules if keyword in lowered), default)


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PersonaError(f"{path}:1: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PersonaError(f"{path}:1: cannot read the file ({exc})") from None
