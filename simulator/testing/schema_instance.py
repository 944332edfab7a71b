"""Make JSON values that satisfy, or deliberately break, a JSON Schema.

Covers what structured-output requests use in practice (pydantic-generated schemas
included): objects with required properties, enums and consts, bounded numbers and
integers, strings with length limits and common formats, arrays with item counts,
booleans, nulls, anyOf/oneOf (the first branch), allOf (merged), and `$ref` into
`$defs`/`definitions`. Not honoured: `pattern`, `not` (other than `false`),
`if`/`then`, `dependentRequired`. It is a generator for test doubles, not a validator.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable, Mapping
from typing import Any

# Past this nesting depth, optional parts are left out so recursive schemas terminate.
_MAX_DEPTH = 6
_UNIQUE_TRIES = 20
_FORMAT_EXAMPLES = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00",
    "email": "patient@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "hostname": "example.com",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
}
_DEFAULT_WORDS = ("steady", "calm", "noted", "fine", "plain", "brief", "clear", "kind")


def schema_instance(
    schema: Mapping[str, Any] | bool,
    rng: random.Random | None = None,
    words: tuple[str, ...] = _DEFAULT_WORDS,
) -> Any:
    """Return a JSON-compatible value that validates against `schema`."""
    return _Generator(schema, rng or random.Random(0), words).value(schema, 0)


def schema_violation(
    schema: Mapping[str, Any] | bool,
    rng: random.Random | None = None,
    words: tuple[str, ...] = _DEFAULT_WORDS,
) -> Any:
    """Return valid JSON that does NOT validate against `schema` (when any value can fail it).

    An object schema with required properties loses one of them; any other schema
    gets a value of a JSON type it does not allow.
    """
    generator = _Generator(schema, rng or random.Random(0), words)
    root = generator.resolve(schema)
    valid = generator.value(schema, 0)
    required = root.get("required") or []
    if isinstance(valid, dict) and required:
        broken = dict(valid)
        broken.pop(required[0], None)
        return broken
    allowed = generator.allowed_types(root)
    for candidate in (["not", "the", "schema"], "not the schema", 12345.5, True, {"x": 1}, None):
        if allowed is not None and _json_type(candidate) not in allowed:
            return candidate
    return "not one of the allowed values"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


class _Generator:
    def __init__(
        self, root: Mapping[str, Any] | bool, rng: random.Random, words: tuple[str, ...]
    ) -> None:
        self._root = root if isinstance(root, Mapping) else {}
        self._rng = rng
        self._words = words or _DEFAULT_WORDS
        self._by_type: dict[str, Callable[[dict[str, Any], int], Any]] = {
            "object": self._object,
            "array": self._array,
            "string": self._string,
            "integer": lambda s, _d: self._number(s, integer=True),
            "number": lambda s, _d: self._number(s, integer=False),
            "boolean": lambda _s, _d: self._rng.random() < 0.5,
            "null": lambda _s, _d: None,
        }

    # -- schema plumbing ---------------------------------------------------------------

    def _pointer(self, ref: str) -> Mapping[str, Any]:
        if not ref.startswith("#"):
            raise ValueError(f"only local $ref is supported, got {ref!r}")
        node: Any = self._root
        for part in ref.lstrip("#").strip("/").split("/"):
            if part:
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def resolve(self, schema: Mapping[str, Any] | bool) -> dict[str, Any]:
        """Follow `$ref` and merge `allOf`, keeping sibling keywords."""
        if not isinstance(schema, Mapping):
            return {} if schema else {"not": {}}
        merged = dict(schema)
        for _ in range(32):  # a chain of refs, not a cycle
            if "$ref" not in merged:
                break
            target = dict(self._pointer(merged.pop("$ref")))
            merged = {**target, **merged}
        parts = merged.pop("allOf", None)
        if parts:
            for part in parts:
                resolved = self.resolve(part)
                properties = {**merged.get("properties", {}), **resolved.get("properties", {})}
                required = [*merged.get("required", []), *resolved.get("required", [])]
                merged = {**merged, **resolved}
                if properties:
                    merged["properties"] = properties
                if required:
                    merged["required"] = list(dict.fromkeys(required))
        return merged

    def allowed_types(self, schema: dict[str, Any]) -> set[str] | None:
        """JSON types a schema can accept; None when it accepts any type."""
        if "const" in schema:
            return {_json_type(schema["const"])}
        if "enum" in schema:
            return {_json_type(value) for value in schema["enum"]}
        branches = schema.get("anyOf") or schema.get("oneOf")
        if branches:
            union: set[str] = set()
            for branch in branches:
                types = self.allowed_types(self.resolve(branch))
                if types is None:
                    return None
                union |= types
            return union
        declared = schema.get("type")
        if declared is None:
            return None
        types = {declared} if isinstance(declared, str) else set(declared)
        if "number" in types:
            types.add("integer")
        return types

    # -- generation --------------------------------------------------------------------

    def value(self, raw: Mapping[str, Any] | bool, depth: int) -> Any:
        schema = self.resolve(raw)
        if "not" in schema and not schema["not"]:
            return None  # `false` schema: nothing validates; the caller gets null
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return self._rng.choice(schema["enum"])
        branches = schema.get("anyOf") or schema.get("oneOf")
        if branches:
            return self.value(self._pick_branch(branches, depth), depth)
        return self._by_type[self._type_of(schema)](schema, depth)

    def _pick_branch(self, branches: list[Any], depth: int) -> Any:
        if depth >= _MAX_DEPTH:
            for branch in branches:
                if isinstance(branch, Mapping) and branch.get("type") == "null":
                    return branch
        return branches[0]

    def _type_of(self, schema: dict[str, Any]) -> str:
        declared = schema.get("type")
        if isinstance(declared, list):
            concrete = [t for t in declared if t != "null"]
            return concrete[0] if concrete else "null"
        if isinstance(declared, str):
            return declared
        if "properties" in schema or "required" in schema or "additionalProperties" in schema:
            return "object"
        if "items" in schema or "prefixItems" in schema:
            return "array"
        if any(key in schema for key in ("minimum", "maximum", "multipleOf")):
            return "number"
        return "string"

    def _object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        properties: dict[str, Any] = schema.get("properties", {})
        required: list[str] = list(schema.get("required", []))
        shallow = depth < _MAX_DEPTH
        result = {
            name: self.value(sub, depth + 1)
            for name, sub in properties.items()
            if shallow or name in required
        }
        for name in required:
            result.setdefault(name, self._text(1, 12))
        extra = schema.get("additionalProperties")
        missing = schema.get("minProperties", 0) - len(result)
        for index in range(max(missing, 0)):
            sub = extra if isinstance(extra, Mapping) else {}
            result[f"extra_{index}"] = self.value(sub, depth + 1)
        return result

    def _array(self, schema: dict[str, Any], depth: int) -> list[Any]:
        prefix = [self.value(sub, depth + 1) for sub in schema.get("prefixItems", [])]
        minimum = schema.get("minItems", 0)
        maximum = schema.get("maxItems")
        wanted = max(minimum, 1 if depth < _MAX_DEPTH else 0)
        if maximum is not None:
            wanted = min(wanted, maximum)
        items = schema.get("items", {})
        if items is False:
            return prefix
        result = prefix
        unique = schema.get("uniqueItems", False)
        tries = 0
        while len(result) < wanted and tries < wanted * _UNIQUE_TRIES:
            tries += 1
            candidate = self.value(items, depth + 1)
            if unique and candidate in result:
                continue
            result.append(candidate)
        return result

    def _string(self, schema: dict[str, Any], _depth: int) -> str:
        minimum = schema.get("minLength", 0)
        maximum = schema.get("maxLength")
        example = _FORMAT_EXAMPLES.get(schema.get("format", ""))
        if schema.get("format") == "uuid":
            example = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        if (
            example is not None
            and len(example) >= minimum
            and (maximum is None or len(example) <= maximum)
        ):
            return example
        return self._text(minimum, maximum)

    def _text(self, minimum: int, maximum: int | None) -> str:
        text = " ".join(self._rng.choice(self._words) for _ in range(self._rng.randint(2, 5)))
        while len(text) < minimum:
            text += " " + self._rng.choice(self._words)
        if maximum is not None:
            text = text[:maximum].rstrip() if maximum >= minimum else text[:maximum]
        return text.ljust(minimum, "x")

    def _number(self, schema: dict[str, Any], *, integer: bool) -> int | float:
        low, high = schema.get("minimum"), schema.get("maximum")
        low_open, high_open = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        # Draft 4 wrote exclusivity as booleans beside minimum/maximum.
        if low_open is True:
            low_open, low = low, None
        if high_open is True:
            high_open, high = high, None
        if low_open is False:
            low_open = None
        if high_open is False:
            high_open = None
        step = schema.get("multipleOf")
        if integer or (step is not None and float(step).is_integer()):
            return self._integer(low, high, low_open, high_open, step)
        return self._float(low, high, low_open, high_open, step)

    def _integer(
        self,
        low: float | None,
        high: float | None,
        low_open: float | None,
        high_open: float | None,
        step: float | None,
    ) -> int:
        lo = math.ceil(low) if low is not None else None
        hi = math.floor(high) if high is not None else None
        if low_open is not None:
            lo = max(lo, math.floor(low_open) + 1) if lo is not None else math.floor(low_open) + 1
        if high_open is not None:
            hi = min(hi, math.ceil(high_open) - 1) if hi is not None else math.ceil(high_open) - 1
        if lo is None and hi is None:
            lo, hi = 0, 10
        elif lo is None:
            lo = hi - 10
        elif hi is None:
            hi = lo + 10
        if hi < lo:
            return lo
        if step:
            step_int = int(step)
            first, last = math.ceil(lo / step_int), math.floor(hi / step_int)
            return self._rng.randint(first, last) * step_int if last >= first else lo
        return self._rng.randint(lo, hi)

    def _float(
        self,
        low: float | None,
        high: float | None,
        low_open: float | None,
        high_open: float | None,
        step: float | None,
    ) -> float:
        lo = low if low is not None else low_open
        hi = high if high is not None else high_open
        if low is not None and low_open is not None:
            lo = max(low, low_open)
        if high is not None and high_open is not None:
            hi = min(high, high_open)
        if lo is None and hi is None:
            lo, hi = 0.0, 1.0
        elif lo is None:
            lo = hi - 10.0
        elif hi is None:
            hi = lo + 10.0
        if hi <= lo:
            return float(lo)
        if step:
            first, last = math.ceil(lo / step), math.floor(hi / step)
            for k in (first, first + 1, last):
                value = k * step
                if (low_open is None or value > low_open) and (
                    high_open is None or value < high_open
                ):
                    return float(value)
        # Strictly inside the interval so exclusive bounds hold too.
        value = lo + (hi - lo) * self._rng.uniform(0.25, 0.75)
        rounded = round(value, 3)
        return rounded if lo < rounded < hi else value
