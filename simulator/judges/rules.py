"""The detector rules file (detectors.yaml): format, compiled patterns, and risk read from text."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from simulator.judges.errors import JudgeError
from vocabulary.risk import RISK_LEVELS, risk_rank
from vocabulary.yaml_model import read_model

DEFAULT_RULES = Path(__file__).with_name("detectors.yaml")

_STRICT = ConfigDict(extra="forbid", frozen=True)


def straighten(text: str) -> str:
    """Curly apostrophes to straight ones (same length, so spans stay aligned)."""
    return text.replace("\u2019", "'").replace("\u2018", "'")


def _compile(patterns: Iterable[str]) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def _check_patterns(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc
    return patterns


class When(BaseModel):
    """Conditions that must all hold at a turn for a rule to fire there."""

    model_config = _STRICT

    modalities: list[str] | None = Field(
        None, description="Session modalities the rule applies to (pe, cbt, other); all if omitted."
    )
    phases: list[str] | None = Field(
        None, description="Phase groups the turn's step must be in; any phase if omitted."
    )
    not_phases: list[str] = Field(
        default_factory=list, description="Phase groups the turn's step must not be in."
    )
    risk_below: str | None = Field(
        None, description="Fire only while the patient's risk before the turn is below this level."
    )
    position: Literal["anywhere", "opening"] = Field(
        "anywhere", description="`opening`: the match must start within opening_chars of the turn."
    )
    after_patient: str | None = Field(
        None, description="A pattern set one of the last `lookback` patient turns must match."
    )
    lookback: int = Field(2, ge=1, description="Patient turns looked back for after_patient.")

    @field_validator("risk_below")
    @classmethod
    def _known_risk(cls, value: str | None) -> str | None:
        if value is not None and value not in RISK_LEVELS:
            raise ValueError(f"risk_below must be one of {', '.join(RISK_LEVELS)}")
        return value


class Rule(BaseModel):
    """One detector rule: a label, its patterns and the conditions under which they count."""

    model_config = _STRICT

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Rule id, stored with each hit.")
    label: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Failure-mode label it tags.")
    speaker: Literal["therapist", "patient", "any"] = Field(
        "therapist", description="Whose turns the rule reads."
    )
    kind: Literal["pattern", "stalled_step"] = Field(
        "pattern",
        description="pattern: a match is a hit; stalled_step: off-task turns in a step past max_turns.",
    )
    patterns: list[str] = Field(
        min_length=1, description="Regular expressions (for stalled_step: off-task cues)."
    )
    when: When = Field(default_factory=When, description="Conditions at the turn.")
    default_max_turns: int = Field(
        8, ge=1, description="stalled_step: max_turns for steps that do not set one."
    )
    min_content_words: int = Field(
        6,
        ge=1,
        description="stalled_step: a turn this long sharing no word with the goal is off task.",
    )

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, value: list[str]) -> list[str]:
        return _check_patterns(value)

    @cached_property
    def regex(self) -> re.Pattern:
        return _compile(self.patterns)


class DetectorRules(BaseModel):
    """The whole rules file."""

    model_config = _STRICT

    version: str = Field(min_length=1, description="Version of the rules.")
    opening_chars: int = Field(160, ge=1, description="Where a turn's opening ends, in characters.")
    phase_groups: dict[str, list[str]] = Field(
        default_factory=dict, description="Group name -> words a phase id contains to belong to it."
    )
    pattern_sets: dict[str, list[str]] = Field(
        default_factory=dict, description="Named pattern lists that conditions refer to."
    )
    risk_from_text: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Risk level -> patient phrases implying it (for sessions without states).",
    )
    rules: list[Rule] = Field(min_length=1, description="The rules, in priority order.")

    @field_validator("pattern_sets", "risk_from_text")
    @classmethod
    def _patterns_compile(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for patterns in value.values():
            _check_patterns(patterns)
        return value

    @model_validator(mode="after")
    def _references_resolve(self) -> DetectorRules:
        problems = []
        for rule in self.rules:
            for group in [*(rule.when.phases or []), *rule.when.not_phases]:
                if group not in self.phase_groups:
                    problems.append(f"rule {rule.id}: unknown phase group {group!r}")
            if rule.when.after_patient and rule.when.after_patient not in self.pattern_sets:
                problems.append(f"rule {rule.id}: unknown pattern set {rule.when.after_patient!r}")
        unknown = sorted(set(self.risk_from_text) - set(RISK_LEVELS))
        if unknown:
            problems.append(f"risk_from_text: unknown risk levels {', '.join(unknown)}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @cached_property
    def sets(self) -> dict[str, re.Pattern]:
        return {name: _compile(patterns) for name, patterns in self.pattern_sets.items()}

    @cached_property
    def _risk_patterns(self) -> list[tuple[str, re.Pattern]]:
        by_rank = sorted(self.risk_from_text.items(), key=lambda item: -risk_rank(item[0]))
        return [(level, _compile(patterns)) for level, patterns in by_rank]

    def in_group(self, phase: str | None, group: str) -> bool:
        return bool(phase) and any(word in phase for word in self.phase_groups.get(group, []))

    def risk_in_text(self, text: str) -> str | None:
        """The highest risk level the patient's words imply, or None."""
        text = straighten(text)
        for level, pattern in self._risk_patterns:
            if pattern.search(text):
                return level
        return None

    @property
    def labels(self) -> list[str]:
        return list(dict.fromkeys(rule.label for rule in self.rules))

    def label_speakers(self, label: str) -> set[str]:
        return {rule.speaker for rule in self.rules if rule.label == label}


def load_rules(path: str | Path | None = None) -> DetectorRules:
    """The detector rules at `path` (default: the shipped detectors.yaml), or JudgeError."""
    if path is None:
        return _default_rules()
    return read_model(Path(path), DetectorRules, JudgeError)[0]


@cache
def _default_rules() -> DetectorRules:
    return read_model(DEFAULT_RULES, DetectorRules, JudgeError)[0]
