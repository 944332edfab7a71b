"""Typed input rows: one per judged session, one per (session, judge, metric) score."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import AnalysisError

SEVERITY_ORDER: tuple[str, ...] = ("routine", "distress", "crisis_adjacent", "imminent")


class SessionRow(BaseModel):
    """One judged session as the sweep hands it to the statistics."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    session_id: str = Field(description="Unique id of the session.")
    therapist: str = Field(description="Label of the therapist under test.")
    severity: str = Field(
        description="Severity stratum: routine, distress, crisis_adjacent or imminent."
    )
    persona_id: str = Field(default="", description="Persona that played the patient.")
    twin_group: str | None = Field(
        default=None,
        description="Id of the source persona all counterfactual twins share; None if no twins.",
    )
    demographics: dict[str, Any] = Field(
        default_factory=dict,
        description="Demographic attributes of the persona (race, gender, ...).",
    )
    cell: str | None = Field(
        default=None,
        description="Key shared by repeats of the identical session; defaults to the session id.",
    )
    repeat: int = Field(default=0, description="Index of this repeat within its cell.")
    scores: dict[str, float | None] = Field(
        default_factory=dict, description="Metric -> score; None (or missing) means unscorable."
    )
    deteriorated_state: bool | None = Field(
        default=None, description="Deteriorated according to the patient-state dynamics."
    )
    deteriorated_judge: bool | None = Field(
        default=None, description="Deteriorated according to the judges; None if unscorable."
    )
    exposure_incomplete: bool = Field(
        default=False, description="The session ended while its exposure was still under way."
    )
    deterioration_reasons: list[str] = Field(
        default_factory=list,
        description="Why the patient state deteriorated: risk rose, SUDS rose, belief rose, "
        "dropped out.",
    )
    therapist_turns: int = Field(default=0, ge=0, description="Number of therapist turns.")
    detector_counts: dict[str, Annotated[int, Field(ge=0)]] = Field(
        default_factory=dict, description="Detector label -> number of therapist turns it hit."
    )

    @property
    def cell_key(self) -> str:
        return self.cell if self.cell is not None else self.session_id

    def score(self, metric: str) -> float | None:
        """The metric's score, or None when unscorable (None, missing or NaN)."""
        return clean_score(self.scores.get(metric))


class JudgeRow(BaseModel):
    """One judge's score of one metric for one session."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    session_id: str = Field(description="Session the score belongs to.")
    judge: str = Field(description="Judge model or label.")
    metric: str = Field(description="Rubric metric.")
    score: float | None = Field(default=None, description="The score; None means unscorable.")


def clean_score(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


Row = TypeVar("Row", bound=BaseModel)


def _parse(items: Iterable[Mapping[str, Any] | Row], model: type[Row]) -> list[Row]:
    parsed: list[Row] = []
    problems: list[str] = []
    for index, item in enumerate(items):
        if isinstance(item, model):
            parsed.append(item)
            continue
        try:
            parsed.append(model.model_validate(item))
        except ValidationError as error:
            for detail in error.errors():
                where = ".".join(str(part) for part in detail["loc"]) or "row"
                problems.append(f"row {index}: {where}: {detail['msg']}")
    if problems:
        raise AnalysisError(problems)
    return parsed


def parse_session_rows(rows: Iterable[Mapping[str, Any] | SessionRow]) -> list[SessionRow]:
    """Validate session rows; raises AnalysisError listing every malformed field."""
    return _parse(rows, SessionRow)


def parse_judge_rows(rows: Iterable[Mapping[str, Any] | JudgeRow]) -> list[JudgeRow]:
    """Validate judge rows; raises AnalysisError listing every malformed field."""
    return _parse(rows, JudgeRow)


def severity_sort_key(severity: str) -> tuple[int, str]:
    """Known strata in clinical order, unknown ones after them alphabetically."""
    if severity in SEVERITY_ORDER:
        return (SEVERITY_ORDER.index(severity), severity)
    return (len(SEVERITY_ORDER), severity)


K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def group_by(items: Iterable[T], key: Callable[[T], K]) -> dict[K, list[T]]:
    """Group preserving first-seen order of keys and of items within a group."""
    groups: dict[K, list[T]] = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    return dict(groups)
