"""schema_instance makes values a schema accepts; schema_violation makes values it refuses."""

from __future__ import annotations

import random
from enum import StrEnum
from typing import Annotated, Any, Literal

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from simulator.testing import schema_instance, schema_violation


class Severity(StrEnum):
    MILD = "mild"
    SEVERE = "severe"


class Evidence(BaseModel):
    quote: Annotated[str, Field(min_length=5, max_length=40)]
    turn: Annotated[int, Field(ge=1, le=20)]


class JudgeVerdict(BaseModel):
    score: Annotated[int, Field(ge=1, le=6)]
    confidence: Annotated[float, Field(gt=0, lt=1)]
    severity: Severity
    label: Literal["adherent", "drifted"]
    grounded: bool
    evidence: Annotated[list[Evidence], Field(min_length=2)]
    note: str | None = None
    tags: Annotated[list[str], Field(max_length=3)] = []
    weights: dict[str, float] = {}


class TreeNode(BaseModel):
    name: str
    children: list[TreeNode] = []


@pytest.mark.parametrize("model", [JudgeVerdict, Evidence, TreeNode])
@pytest.mark.parametrize("seed", range(5))
def test_instances_of_pydantic_schemas_validate_with_pydantic_and_jsonschema(
    model: type[BaseModel], seed: int
) -> None:
    schema = model.model_json_schema()
    value = schema_instance(schema, random.Random(seed))
    jsonschema.validate(value, schema)
    model.model_validate(value)


def test_bounds_lengths_and_counts_are_respected() -> None:
    verdict = JudgeVerdict.model_validate(
        schema_instance(JudgeVerdict.model_json_schema(), random.Random(3))
    )
    assert 1 <= verdict.score <= 6
    assert 0 < verdict.confidence < 1
    assert len(verdict.evidence) >= 2
    assert all(5 <= len(item.quote) <= 40 for item in verdict.evidence)


def test_same_rng_seed_gives_same_instance() -> None:
    schema = JudgeVerdict.model_json_schema()
    first = schema_instance(schema, random.Random(7))
    assert schema_instance(schema, random.Random(7)) == first


@pytest.mark.parametrize(
    "schema",
    [
        JudgeVerdict.model_json_schema(),
        TreeNode.model_json_schema(),
        {"type": "object", "properties": {"a": {"type": "string"}}},
        {"type": "string", "enum": ["x", "y"]},
        {"type": "integer", "minimum": 0},
        {"type": "array", "items": {"type": "number"}},
        {"anyOf": [{"type": "string"}, {"type": "null"}]},
        {"const": 3},
    ],
)
def test_violations_fail_validation(schema: dict[str, Any]) -> None:
    broken = schema_violation(schema, random.Random(0))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_refs_allof_and_draft4_exclusive_bounds() -> None:
    schema = {
        "definitions": {"Score": {"type": "number", "minimum": 2, "exclusiveMinimum": True}},
        "allOf": [
            {"type": "object", "properties": {"s": {"$ref": "#/definitions/Score"}}},
            {"required": ["s", "t"], "properties": {"t": {"type": "integer", "multipleOf": 5}}},
        ],
    }
    value = schema_instance(schema)
    assert value["s"] > 2
    assert value["t"] % 5 == 0


# A small grammar of schemas, as structured-output requests use them.
_leaf = st.one_of(
    st.builds(
        lambda lo, span: {"type": "integer", "minimum": lo, "maximum": lo + span},
        st.integers(-50, 50),
        st.integers(0, 20),
    ),
    st.builds(
        lambda lo, span: {"type": "number", "exclusiveMinimum": lo, "maximum": lo + span},
        st.floats(-5, 5),
        st.floats(0.01, 3),
    ),
    st.builds(
        lambda lo, extra: {"type": "string", "minLength": lo, "maxLength": lo + extra},
        st.integers(0, 30),
        st.integers(0, 30),
    ),
    st.builds(
        lambda values: {"enum": values},
        st.lists(st.text(max_size=5), min_size=1, max_size=4, unique=True),
    ),
    st.just({"type": "boolean"}),
    st.just({"type": "null"}),
)


def _extend(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    objects = st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True), children, max_size=4)
    return st.one_of(
        st.builds(
            lambda props, n: {
                "type": "object",
                "properties": props,
                "required": sorted(props)[:n],
                "additionalProperties": False,
            },
            objects,
            st.integers(0, 4),
        ),
        st.builds(
            lambda items, n: {"type": "array", "items": items, "minItems": n},
            children,
            st.integers(0, 3),
        ),
        st.builds(lambda a, b: {"anyOf": [a, b]}, children, children),
    )


_schemas = st.recursive(_leaf, _extend, max_leaves=12)


@settings(max_examples=50, deadline=None)
@given(schema=_schemas, seed=st.integers(0, 1000))
def test_generated_schemas_accept_their_instances(schema: dict[str, Any], seed: int) -> None:
    jsonschema.validate(schema_instance(schema, random.Random(seed)), schema)


@settings(max_examples=50, deadline=None)
@given(schema=_schemas, seed=st.integers(0, 1000))
def test_generated_schemas_refuse_their_violations(schema: dict[str, Any], seed: int) -> None:
    broken = schema_violation(schema, random.Random(seed))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)
