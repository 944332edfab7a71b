"""JSON Schemas of the files people write by hand (persona files, distributions), for editors."""

from __future__ import annotations

from typing import Any

from personas.distribution import Distribution
from personas.schema import Persona

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _with_header(schema: dict[str, Any], title: str) -> dict[str, Any]:
    return {
        "$schema": SCHEMA_DIALECT,
        "title": title,
        **{k: v for k, v in schema.items() if k != "title"},
    }


def persona_json_schema() -> dict[str, Any]:
    """Schema of one persona (a line of a JSONL file, or a YAML/JSON document)."""
    return _with_header(Persona.model_json_schema(), "patientsim persona")


def distribution_json_schema() -> dict[str, Any]:
    """Schema of a demographic distribution YAML file."""
    return _with_header(Distribution.model_json_schema(), "patientsim demographic distribution")
