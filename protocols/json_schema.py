"""The JSON Schema of the protocol format, including the recursive condition language."""

from __future__ import annotations

from typing import Any

from protocols.model import Protocol
from vocabulary.conditions import OPERATORS
from vocabulary.variables import session_variables

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def condition_schema() -> dict[str, Any]:
    names = list(session_variables())
    ref = {"$ref": "#/$defs/Condition"}
    listing = {"type": "array", "minItems": 1, "items": ref}
    return {
        "title": "Condition",
        "description": (
            "A condition over session variables: text 'VARIABLE OP VALUE' (e.g. 'suds <= suds_peak - 20', "
            "'risk >= high', 'step_done'), a comparison mapping {var, op, value | ref [, offset]}, "
            "or {all: [...]}, {any: [...]}, {not: condition}. Variables: " + ", ".join(names) + "."
        ),
        "anyOf": [
            {"type": "string", "minLength": 1},
            {
                "type": "object",
                "properties": {"all": listing},
                "required": ["all"],
                "additionalProperties": False,
            },
            {
                "type": "object",
                "properties": {"any": listing},
                "required": ["any"],
                "additionalProperties": False,
            },
            {
                "type": "object",
                "properties": {"not": {"anyOf": [ref, listing]}},
                "required": ["not"],
                "additionalProperties": False,
            },
            {
                "type": "object",
                "properties": {
                    "var": {"enum": names},
                    "op": {"enum": list(OPERATORS)},
                    "value": {"type": ["number", "string", "boolean"]},
                    "ref": {"enum": names},
                    "offset": {"type": "number"},
                },
                "required": ["var", "op"],
                "additionalProperties": False,
            },
        ],
    }


def with_condition_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Replace the condition markers left by the models with a reference to the Condition def."""

    def fix(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("x-condition") is True:
                rest = {key: value for key, value in node.items() if key != "x-condition"}
                return {**rest, "anyOf": [{"$ref": "#/$defs/Condition"}, {"type": "null"}]}
            return {key: fix(value) for key, value in node.items()}
        if isinstance(node, list):
            return [fix(item) for item in node]
        return node

    fixed = fix(schema)
    fixed.setdefault("$defs", {})["Condition"] = condition_schema()
    return {"$schema": SCHEMA_DIALECT, **fixed}


def protocol_json_schema() -> dict[str, Any]:
    """The JSON Schema editors use to check and autocomplete protocol YAML."""
    return with_condition_schema(Protocol.model_json_schema())
