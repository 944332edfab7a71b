"""The session variables conditions read, each with its type and one scale (data in variables.yaml).

The session engine supplies one value for each before every decision: protocol routing after
an exchange, and persona trajectory events before the patient speaks.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from vocabulary.risk import RISK_LEVELS

VariableType = Literal["number", "integer", "boolean", "level"]
NAMED_LADDERS = {"risk": RISK_LEVELS}


class VariableSpec(BaseModel):
    """One session variable: its name, type and allowed values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="The variable's name as conditions write it.")
    type: VariableType = Field(description="number, integer, boolean or level (ordered scale).")
    description: str = Field(description="What the value means, for designers and the engine.")
    min: float | None = Field(None, description="Smallest allowed value (number/integer).")
    max: float | None = Field(None, description="Largest allowed value (number/integer).")
    levels: tuple[str, ...] = Field((), description="The ordered scale, lowest first (level).")

    @model_validator(mode="after")
    def _levels_only_for_level_type(self) -> VariableSpec:
        if (self.type == "level") != bool(self.levels):
            raise ValueError(f"{self.name}: `levels` is required for, and only for, type level")
        return self

    @property
    def is_numeric(self) -> bool:
        return self.type in ("number", "integer")

    def rank(self, level: str) -> int:
        """Position of `level` on this variable's ordered scale."""
        return self.levels.index(level)


@cache
def _load() -> dict[str, VariableSpec]:
    text = resources.files("vocabulary").joinpath("variables.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    for spec in raw.values():
        if spec.get("levels") in NAMED_LADDERS:  # a ladder defined once, in vocabulary
            spec["levels"] = NAMED_LADDERS[spec["levels"]]
    return {name: VariableSpec(name=name, **spec) for name, spec in raw.items()}


def session_variables() -> dict[str, VariableSpec]:
    """Every variable a condition may read, by name, in definition order."""
    return dict(_load())


def variable(name: str) -> VariableSpec | None:
    return _load().get(name)


__all__ = ["RISK_LEVELS", "VariableSpec", "session_variables", "variable"]
