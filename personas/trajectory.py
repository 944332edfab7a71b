"""Trajectories: how a patient's state moves during a session, as explicit events.

Events are data the session engine applies: each is due `at_turn` N or `when` a condition over
the session variables holds, changes risk / engagement, may disclose something or end the
patient's participation, and tells the patient model what it now feels (`says`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator

from personas.enums import Risk, TrajectoryPreset
from vocabulary.conditions import COMPILED, Condition, ConditionError, as_data, describe, truth
from vocabulary.conditions import parse_condition as _parse


def _compiled(raw: Any) -> Condition:
    """Compile with the shared condition language; its problems become validation errors."""
    if isinstance(raw, COMPILED):
        return raw
    try:
        return _parse(raw)
    except ConditionError as exc:
        raise ValueError("; ".join(exc.problems)) from None


# A condition in the shared language (vocabulary/conditions.py): written and stored as text
# such as "suds > 80", or a mapping {all: [...]}, {any: [...]}, {not: ...} / {not_any: [...]}.
EventCondition = Annotated[
    Any,
    BeforeValidator(_compiled),
    PlainSerializer(as_data, return_type=Any),
]


class Effects(BaseModel):
    """What an event changes. Risk moves are clamped to none..imminent by the engine."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    set_risk: Risk | None = Field(None, description="Set current risk to this level.")
    raise_risk: int = Field(
        0, ge=-4, le=4, description="Move risk this many levels (negative lowers)."
    )
    disclose: str | None = Field(
        None, description="Something the patient now discloses, in their words."
    )
    engagement_change: int = Field(
        0, ge=-100, le=100, description="Change to engagement (0-100 scale)."
    )
    disengage: bool = Field(
        False, description="The patient withdraws: short, guarded answers from now on."
    )
    dropout: bool = Field(False, description="The patient ends the session.")

    @model_validator(mode="after")
    def _one_risk_move(self) -> Effects:
        if self.set_risk is not None and self.raise_risk:
            raise ValueError("use set_risk or raise_risk, not both")
        return self

    def summary(self) -> str:
        parts: list[str] = []
        if self.set_risk is not None:
            parts.append(f"risk -> {self.set_risk}")
        if self.raise_risk:
            parts.append(f"risk {self.raise_risk:+d} level(s)")
        if self.engagement_change:
            parts.append(f"engagement {self.engagement_change:+d}")
        if self.disengage:
            parts.append("disengages")
        if self.dropout:
            parts.append("drops out")
        if self.disclose:
            parts.append(f'discloses "{self.disclose}"')
        return ", ".join(parts) or "no state change"


class TrajectoryEvent(BaseModel):
    """One scheduled or conditional change in the patient's state."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, description="Name of the event, unique within the trajectory.")
    at_turn: int | None = Field(
        None, ge=1, description="Due just before the patient's N-th reply (from 1)."
    )
    when: EventCondition | None = Field(
        None,
        description="Due when this condition over the session variables holds, e.g. 'suds > 80' "
        "or {all: ['turn >= 5', 'therapist_invalidated == true']} (see vocabulary/variables.yaml).",
        json_schema_extra={"anyOf": [{"type": "string"}, {"type": "object"}]},
    )
    once: bool = Field(
        True, description="Fire at most once (false: every turn the condition holds)."
    )
    effects: Effects = Field(default_factory=Effects, description="State changes the event makes.")
    says: str = Field(
        min_length=1,
        description="What the patient now feels or discloses, told to the patient model.",
    )

    @model_validator(mode="after")
    def _exactly_one_trigger(self) -> TrajectoryEvent:
        if (self.at_turn is None) == (self.when is None):
            raise ValueError(f"event {self.id!r} needs exactly one of at_turn or when")
        return self

    def trigger(self) -> str:
        return (
            f"at turn {self.at_turn}" if self.at_turn is not None else f"when {describe(self.when)}"
        )

    def is_due(
        self, values: Mapping[str, Any], fired: set[str] | frozenset[str] = frozenset()
    ) -> bool:
        """Whether the event applies now, given session variable values (read before the
        patient replies: `turn` counts the exchanges completed) and ids already fired. A
        condition over a missing value is unknown, and an unknown condition is not due."""
        if self.once and self.id in fired:
            return False
        if self.at_turn is not None:
            return values.get("turn") == self.at_turn - 1
        return truth(self.when, values) is True


class Trajectory(BaseModel):
    """The events of a session, expanded from a preset or written by hand."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    preset: TrajectoryPreset | None = Field(
        None, description="Preset the events were expanded from, if any."
    )
    events: list[TrajectoryEvent] = Field(
        default_factory=list, description="Events, in the order the engine applies them."
    )

    @model_validator(mode="after")
    def _unique_ids(self) -> Trajectory:
        ids = [e.id for e in self.events]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate event id(s): {', '.join(duplicates)}")
        return self

    def due_events(
        self, values: Mapping[str, Any], fired: set[str] | frozenset[str] = frozenset()
    ) -> list[TrajectoryEvent]:
        """Events due before this patient turn, in file order."""
        return [e for e in self.events if e.is_due(values, fired)]
