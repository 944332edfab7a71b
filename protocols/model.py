"""The protocol file format (pydantic models) and the loaded Protocol's behaviour."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from vocabulary.conditions import Condition, compile_condition, truth
from vocabulary.patterns import checked_patterns
from vocabulary.variables import session_variables

IDENTIFIER_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]*$"
Identifier = Annotated[str, StringConstraints(pattern=IDENTIFIER_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
VariableName = Annotated[str, WithJsonSchema({"type": "string", "enum": list(session_variables())})]
# Conditions are recursive: the schema is filled in by protocols.json_schema from this marker.
ConditionData = Annotated[Any, WithJsonSchema({"x-condition": True})]

MeasureName = Literal["suds", "belief", "emotion_intensity", "risk"]
Cadence = Literal[
    "once", "start", "end", "start_and_end", "every_turn", "every_n_turns", "when_asked"
]
Modality = Literal["pe", "cbt", "other"]

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)


class Measure(BaseModel):
    """Something the patient reports in this step, and how often."""

    model_config = _STRICT

    what: MeasureName = Field(description="suds, belief, emotion_intensity or risk.")
    cadence: Cadence = Field(
        description="once, start, end, start_and_end, every_turn, every_n_turns (with n), or when_asked."
    )
    n: int | None = Field(
        None, ge=1, description="For every_n_turns: the number of exchanges between reports."
    )
    note: str | None = Field(
        None, description="How to ask, in words for the therapist and the judges."
    )

    @model_validator(mode="after")
    def _n_goes_with_every_n_turns(self) -> Measure:
        if (self.cadence == "every_n_turns") != (self.n is not None):
            raise ValueError("`n` is required with cadence every_n_turns, and only with it")
        return self


class Phase(BaseModel):
    """A named stretch of the session that judges classify turns into."""

    model_config = _STRICT

    id: Identifier = Field(description="The label steps use in `phase`, e.g. imaginal_exposure.")
    title: Text = Field(description="A short human title, e.g. 'P2 Imaginal exposure'.")
    description: str = Field("", description="What happens in this phase.")


class Transition(BaseModel):
    """Move to `to` when `when` holds; the first matching transition of a step wins."""

    model_config = _STRICT

    to: Identifier = Field(description="The id of the step to move to.")
    when: ConditionData = Field(
        None,
        description=(
            "Condition over session variables, e.g. 'risk >= high', 'suds <= suds_peak - 20', "
            "{any: [step_done, 'turns_in_step >= 8']}. Omit for a transition that always applies."
        ),
    )
    label: str | None = Field(
        None, description="A short name for the transition, shown in diagrams."
    )

    _condition: Condition | None = PrivateAttr(None)

    @property
    def condition(self) -> Condition | None:
        """The compiled condition (None means always)."""
        if self.when is not None and self._condition is None:
            self._condition, _ = compile_condition(self.when)
        return self._condition

    def applies(self, variables: Mapping[str, Any]) -> bool:
        return self.when is None or truth(self.condition, variables) is True  # type: ignore[arg-type]


class Step(BaseModel):
    """One step of the protocol: what the therapist should do, and where to go next."""

    model_config = _STRICT

    id: Identifier = Field(description="Unique step id (letters, digits, _ and -).")
    title: Text = Field(description="A short human title.")
    phase: Identifier = Field(
        description="Phase label used for phase classification, e.g. orientation."
    )
    therapist_goal: Text = Field(
        description="What the therapist should achieve here (fed to the therapist and the judges)."
    )
    patient_context: Text = Field(
        description="What the patient is asked to do here (fed to the patient simulator)."
    )
    required: list[Text] = Field(
        default_factory=list, description="Fidelity criteria: short behaviours the judges check."
    )
    forbidden: list[Text] = Field(
        default_factory=list, description="Contraindicated therapist behaviours in this step."
    )
    cues: list[str] = Field(
        default_factory=list,
        description="Regular expressions (case-insensitive) for therapist words that show this "
        "step is under way, e.g. 'close your eyes'. They place the turns of a transcript that "
        "recorded no steps (an ingested chat log) on the protocol's steps.",
    )

    @field_validator("cues")
    @classmethod
    def _cues_compile(cls, value: list[str]) -> list[str]:
        return checked_patterns(value)

    measures: list[Measure] = Field(
        default_factory=list, description="What the patient reports here and how often."
    )
    min_turns: int = Field(1, ge=0, description="Fewest exchanges this step is expected to take.")
    max_turns: int | None = Field(
        None,
        ge=0,
        description="Most exchanges this step should take (write the fallback into a transition as turns_in_step >= N).",
    )
    terminal: bool = Field(
        False,
        description="The session ends when the walk reaches this step; it has no transitions.",
    )
    transitions: list[Transition] = Field(
        default_factory=list,
        description="Ordered; the first whose condition holds is taken, else the session stays.",
    )


class Protocol(BaseModel):
    """A therapy protocol: steps joined by conditional transitions."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, title="Protocol")

    id: Identifier = Field(description="Short unique id, e.g. pe.")
    name: Text = Field(description="Human name of the protocol.")
    version: Text = Field(description='Version text, e.g. "1.0" (quoted in YAML).')
    modality: Modality = Field(
        description="pe (prolonged exposure), cbt (cognitive restructuring) or other."
    )
    description: Text = Field(description="What the session is, and its sources.")
    start: Identifier = Field(description="The id of the first step.")
    variables: list[VariableName] = Field(
        default_factory=list,
        description="The session variables the conditions read (see `patientsim protocols schema`).",
    )
    phases: list[Phase] = Field(
        default_factory=list,
        description="Optional: the phases steps may name; when given, every step's phase must be one.",
    )
    steps: list[Step] = Field(min_length=1, description="The steps, in their usual order.")

    _source: Path | None = PrivateAttr(None)

    # ------------------------------------------------------------ lookups

    @property
    def source(self) -> Path | None:
        """The file this protocol was loaded from, if any."""
        return self._source

    @property
    def step_ids(self) -> list[str]:
        return [step.id for step in self.steps]

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(
            f"protocol '{self.id}' has no step '{step_id}' (steps: {', '.join(self.step_ids)})"
        )

    @property
    def terminal_steps(self) -> list[str]:
        return [step.id for step in self.steps if step.terminal]

    def phase_of(self, step_id: str) -> str:
        return self.step(step_id).phase

    # ------------------------------------------------------------ walking

    def matching_transition(self, step_id: str, variables: Mapping[str, Any]) -> Transition | None:
        """The first transition of `step_id` whose condition holds, or None."""
        for transition in self.step(step_id).transitions:
            if transition.applies(variables):
                return transition
        return None

    def next_step(self, step_id: str, variables: Mapping[str, Any]) -> str:
        """Where the session goes from `step_id`: the first matching transition, else stay."""
        transition = self.matching_transition(step_id, variables)
        return transition.to if transition is not None else step_id

    # ------------------------------------------------------------ views

    @property
    def content_hash(self) -> str:
        """sha256 of the canonical content: unchanged by comments, key order or formatting."""
        canonical = json.dumps(
            self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
