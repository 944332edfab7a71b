"""Build a JSON value that satisfies a (pydantic-generated) JSON Schema, deterministically.

Scripted models use it to answer structured calls they have no specific behaviour for.
"""

from __future__ import annotations

import random
from typing import Any


def instance_for(
    schema: dict, rng: random.Random | None = None, overrides: dict | None = None
) -> Any:
    rng = rng or random.Random(0)
    value = _build(schema, schema.get("$defs", {}), rng)
    if overrides and isinstance(value, dict):
        value.update(
            {k: v for k, v in overrides.items() if k in value or k in schema.get("properties", {})}
        )
    return value


def _build(node: dict, defs: dict, rng: random.Random) -> Any:
    if "$ref" in node:
        return _build(defs[node["$ref"].rsplit("/", 1)[-1]], defs, rng)
    if "const" in node:
        return node["const"]
    if "enum" in node:
        return node["enum"][rng.randrange(len(node["enum"]))]
    if "default" in node and node["default"] is not None:
        return node["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            options = [o for o in node[key] if o.get("type") != "null"] or node[key]
            return _build(options[0], defs, rng)
    kind = node.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = node.get("properties", {})
        return {name: _build(sub, defs, rng) for name, sub in props.items()}
    if kind == "array":
        count = max(int(node.get("minItems", 0)), 1 if node.get("items") else 0)
        return [_build(node.get("items", {}), defs, rng) for _ in range(count)]
    if kind in ("number", "integer"):
        low = node.get("minimum", node.get("exclusiveMinimum", 0))
        high = node.get("maximum", node.get("exclusiveMaximum", max(low, 1)))
        value = low + (high - low) * rng.random()
        return int(round(value)) if kind == "integer" else round(value, 2)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "null":
        return None
    text = "ok"
    min_len = int(node.get("minLength", 0))
    return text + "." * max(0, min_len - len(text))
