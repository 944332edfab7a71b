"""Demographic distributions (library/distributions/*.yaml, or a user's file): weights per category."""

from __future__ import annotations

import random
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Fields are sampled in this order; a conditional table may depend only on an earlier field.
SAMPLING_ORDER: tuple[str, ...] = (
    "age",
    "gender_identity",
    "race_ethnicity",
    "sexual_orientation",
    "education",
    "language",
    "income_band",
    "region",
    "religion",
)
CATEGORICAL_FIELDS: tuple[str, ...] = SAMPLING_ORDER[1:]

# Short names accepted wherever a demographic field is named (CLI, stratify, twins).
FIELD_ALIASES: dict[str, str] = {
    "gender": "gender_identity",
    "race": "race_ethnicity",
    "ethnicity": "race_ethnicity",
    "orientation": "sexual_orientation",
    "income": "income_band",
}

Weights = dict[str, float]


def _check_weights(weights: Weights) -> Weights:
    if not weights:
        raise ValueError("needs at least one category")
    for category, weight in weights.items():
        if weight < 0:
            raise ValueError(f"weight of {category!r} is negative")
    if sum(weights.values()) <= 0:
        raise ValueError("weights must not all be zero")
    return weights


class Conditional(BaseModel):
    """Weights that depend on an earlier field, e.g. language given race/ethnicity."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    given: str = Field(description="Earlier field the table depends on (see SAMPLING_ORDER).")
    default: Weights = Field(
        description="Weights when the given field's value has no table of its own."
    )
    tables: dict[str, Weights] = Field(
        default_factory=dict, description="Weights per value of the given field."
    )

    @field_validator("default")
    @classmethod
    def _default_ok(cls, value: Weights) -> Weights:
        return _check_weights(value)

    @field_validator("tables")
    @classmethod
    def _tables_ok(cls, value: dict[str, Weights]) -> dict[str, Weights]:
        for weights in value.values():
            _check_weights(weights)
        return value

    def weights_for(self, given_value: str) -> Weights:
        return self.tables.get(given_value, self.default)

    def categories(self) -> list[str]:
        seen: list[str] = []
        for weights in (self.default, *self.tables.values()):
            seen += [c for c, w in weights.items() if w > 0 and c not in seen]
        return seen


class AgeBand(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min: int = Field(ge=13, le=110, description="Youngest age in the band.")
    max: int = Field(ge=13, le=110, description="Oldest age in the band (inclusive).")
    weight: float = Field(ge=0, description="Relative weight of the band.")

    @model_validator(mode="after")
    def _ordered(self) -> AgeBand:
        if self.max < self.min:
            raise ValueError(f"max {self.max} is below min {self.min}")
        return self

    @property
    def label(self) -> str:
        return f"{self.min}-{self.max}"


FieldWeights = Weights | Conditional


class Distribution(BaseModel):
    """Who gets sampled: relative weights for every demographic category."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="Name of the distribution.")
    description: str = Field(
        "", description="What population it approximates and from which sources."
    )
    country: str = Field(
        "US", pattern=r"^[A-Z]{2}$", description="Country code used in locale tags (en-US)."
    )
    age: list[AgeBand] = Field(
        min_length=1, description="Age bands with weights; an age is uniform within its band."
    )
    gender_identity: FieldWeights = Field(
        description="Gender identities (keys from library/genders.yaml)."
    )
    race_ethnicity: FieldWeights = Field(description="Race/ethnicity categories.")
    sexual_orientation: FieldWeights = Field(description="Sexual orientations.")
    education: FieldWeights = Field(
        description="Education levels (keys from library/occupations.yaml)."
    )
    language: FieldWeights = Field(description="Primary languages (keys from library/names.yaml).")
    income_band: FieldWeights = Field(description="Household income bands.")
    region: FieldWeights = Field(description="urban, suburban, rural.")
    religion: FieldWeights = Field(description="Religions, including no religious affiliation.")

    @field_validator(*CATEGORICAL_FIELDS)
    @classmethod
    def _weights_ok(cls, value: FieldWeights) -> FieldWeights:
        return value if isinstance(value, Conditional) else _check_weights(value)

    @model_validator(mode="after")
    def _conditionals_look_back(self) -> Distribution:
        for field in CATEGORICAL_FIELDS:
            table = getattr(self, field)
            if isinstance(table, Conditional):
                earlier = SAMPLING_ORDER[: SAMPLING_ORDER.index(field)]
                if table.given not in earlier or table.given == "age":
                    raise ValueError(f"{field}: 'given' must be one of {', '.join(earlier[1:])}")
        if sum(band.weight for band in self.age) <= 0:
            raise ValueError("age: band weights must not all be zero")
        return self

    def categories(self, field: str) -> list[str]:
        """Categories with positive weight, in file order (age: band labels)."""
        if field == "age":
            return [band.label for band in self.age if band.weight > 0]
        table = getattr(self, field)
        if isinstance(table, Conditional):
            return table.categories()
        return [c for c, w in table.items() if w > 0]

    def weights(self, field: str, chosen: Mapping[str, object]) -> Weights:
        table = getattr(self, field)
        if isinstance(table, Conditional):
            return table.weights_for(str(chosen[table.given]))
        return table

    def band(self, label: str) -> AgeBand:
        return next(b for b in self.age if b.label == label)


def weighted_choice(weights: Mapping[str, float], rng: random.Random) -> str:
    """Pick a key with probability proportional to its weight (order of keys is fixed by the file)."""
    items = [(k, w) for k, w in weights.items() if w > 0]
    point = rng.random() * sum(w for _, w in items)
    for key, weight in items:
        point -= weight
        if point < 0:
            return key
    return items[-1][0]


def canonical_field(name: str) -> str:
    return FIELD_ALIASES.get(name.strip(), name.strip())
