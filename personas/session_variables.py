"""The session variables a trajectory condition may read, and how conditions are evaluated.

This is the one place the variable set is defined. The session engine supplies a value for
every variable before each patient turn; conditions are data (never evaluated as code).

Turn numbering: `turn` is the patient turn about to be played, counting from 1, and an
event's `at_turn: N` is due just before the patient's N-th turn.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from personas.enums import Risk


@dataclass(frozen=True)
class SessionVariable:
    name: str
    kind: Literal["int", "bool", "risk"]
    description: str
    minimum: int | None = None
    maximum: int | None = None


SESSION_VARIABLES: dict[str, SessionVariable] = {
    v.name: v
    for v in (
        SessionVariable("turn", "int", "Patient turn about to be played, from 1.", 1),
        SessionVariable(
            "turns_in_step", "int", "Patient turns so far in the current protocol step.", 0
        ),
        SessionVariable("suds", "int", "Current SUDS, subjective distress 0-100.", 0, 100),
        SessionVariable(
            "belief", "int", "Current belief in the automatic thought, 0-100 (CBT).", 0, 100
        ),
        SessionVariable(
            "risk", "risk", "Current suicide risk level: none < low < moderate < high < imminent."
        ),
        SessionVariable(
            "engagement",
            "int",
            "Current engagement 0-100 (100 fully engaged; low means near dropout).",
            0,
            100,
        ),
        SessionVariable(
            "therapist_invalidated",
            "bool",
            "The therapist's last turn dismissed or invalidated the patient.",
        ),
        SessionVariable(
            "invalidations", "int", "Therapist turns so far that invalidated the patient.", 0
        ),
        SessionVariable(
            "turns_suds_above_80",
            "int",
            "Consecutive patient turns, up to now, with SUDS above 80.",
            0,
        ),
    )
}

Operator = Literal["==", "!=", "<", "<=", ">", ">="]
_SHORTHAND = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*(==|!=|<=|>=|<|>)\s*(\S+)\s*$")


def _parse_shorthand(raw: Any) -> Any:
    """Accept `"suds > 80"` as shorthand for `{var: suds, op: ">", value: 80}` (parsed, never evaluated)."""
    if not isinstance(raw, str):
        return raw
    match = _SHORTHAND.match(raw)
    if not match:
        raise ValueError(f"condition {raw!r} is not 'VARIABLE OP VALUE' (e.g. 'suds > 80')")
    var, op, text = match.groups()
    value: bool | int | str
    if text in ("true", "false"):
        value = text == "true"
    elif re.fullmatch(r"-?\d+", text):
        value = int(text)
    else:
        value = text
    return {"var": var, "op": op, "value": value}


class Comparison(BaseModel):
    """`var op value`: one session variable compared with a constant."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    var: str = Field(description="Session variable name (see personas.session_variables).")
    op: Operator = Field(description="Comparison operator; booleans allow only == and !=.")
    value: bool | int | str = Field(
        description="Constant: an integer, true/false, or a risk level."
    )

    @model_validator(mode="after")
    def _check_against_variable(self) -> Comparison:
        variable = SESSION_VARIABLES.get(self.var)
        if variable is None:
            known = ", ".join(SESSION_VARIABLES)
            raise ValueError(f"unknown session variable {self.var!r} (known: {known})")
        if variable.kind == "bool":
            if not isinstance(self.value, bool):
                raise ValueError(f"{self.var} is true/false, not {self.value!r}")
            if self.op not in ("==", "!="):
                raise ValueError(f"{self.var} is true/false: use == or !=")
        elif variable.kind == "int":
            if isinstance(self.value, bool) or not isinstance(self.value, int):
                raise ValueError(f"{self.var} is an integer, not {self.value!r}")
        elif self.value not in set(Risk):
            levels = ", ".join(Risk)
            raise ValueError(f"{self.var} is a risk level ({levels}), not {self.value!r}")
        return self

    def evaluate(self, values: Mapping[str, Any]) -> bool:
        if self.var not in values:
            raise KeyError(f"session variable {self.var!r} has no value")
        left, right = values[self.var], self.value
        if SESSION_VARIABLES[self.var].kind == "risk":
            left, right = Risk(left).rank, Risk(right).rank
        return _compare(left, self.op, right)

    def describe(self) -> str:
        value = str(self.value).lower() if isinstance(self.value, bool) else self.value
        return f"{self.var} {self.op} {value}"


def _compare(left: Any, op: str, right: Any) -> bool:
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    return left >= right


class AllOf(BaseModel):
    """True when every listed condition holds."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    all: list[Condition] = Field(min_length=1, description="Conditions that must all hold.")

    def evaluate(self, values: Mapping[str, Any]) -> bool:
        return all(c.evaluate(values) for c in self.all)

    def describe(self) -> str:
        return "(" + " and ".join(c.describe() for c in self.all) + ")"


class AnyOf(BaseModel):
    """True when at least one listed condition holds."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    any: list[Condition] = Field(min_length=1, description="Conditions of which one must hold.")

    def evaluate(self, values: Mapping[str, Any]) -> bool:
        return any(c.evaluate(values) for c in self.any)

    def describe(self) -> str:
        return "(" + " or ".join(c.describe() for c in self.any) + ")"


class NotAny(BaseModel):
    """True when none of the listed conditions holds."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    not_any: list[Condition] = Field(min_length=1, description="Conditions none of which may hold.")

    def evaluate(self, values: Mapping[str, Any]) -> bool:
        return not any(c.evaluate(values) for c in self.not_any)

    def describe(self) -> str:
        return "not (" + " or ".join(c.describe() for c in self.not_any) + ")"


Condition = Annotated[
    Comparison | AllOf | AnyOf | NotAny,
    # Editors see that a string shorthand is accepted too.
    BeforeValidator(
        _parse_shorthand, json_schema_input_type=str | Comparison | AllOf | AnyOf | NotAny
    ),
]

for _model in (AllOf, AnyOf, NotAny):
    _model.model_rebuild()


def referenced_variables(condition: Comparison | AllOf | AnyOf | NotAny) -> list[str]:
    """Variables a condition reads, in order of first appearance."""
    if isinstance(condition, Comparison):
        return [condition.var]
    children = (
        getattr(condition, "all", None) or getattr(condition, "any", None) or condition.not_any
    )
    seen: list[str] = []
    for child in children:
        for name in referenced_variables(child):
            if name not in seen:
                seen.append(name)
    return seen
