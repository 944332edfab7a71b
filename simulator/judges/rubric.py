"""The rubric file format, its content hash, and which metrics apply to which modality."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulator.judges.errors import JudgeError
from vocabulary.yaml_model import read_model

DEFAULT_RUBRIC = Path(__file__).with_name("rubric.yaml")
MODALITIES = ("pe", "cbt", "other")

Modality = Literal["pe", "cbt", "other"]
_STRICT = ConfigDict(extra="forbid", frozen=True)


class Anchor(BaseModel):
    """One anchored level of a metric's 0-1 scale."""

    model_config = _STRICT

    score: float = Field(ge=0.0, le=1.0, description="The score this description anchors.")
    text: str = Field(min_length=1, description="What a session at this level looks like.")


class Metric(BaseModel):
    """One scored item: a question, its modalities and its anchored levels."""

    model_config = _STRICT

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Metric id, snake_case.")
    group: Literal["pe", "cbt", "session"] = Field(
        description="Which family the item comes from: pe, cbt or session-level."
    )
    modalities: list[Modality] = Field(
        min_length=1, description="Session modalities the metric is scored for: pe, cbt, other."
    )
    question: str = Field(min_length=1, description="The question the judge answers, one line.")
    anchors: list[Anchor] = Field(
        min_length=2, description="Anchored levels; must include 0.0 and 1.0."
    )

    @model_validator(mode="after")
    def _anchors_span_the_scale(self) -> Metric:
        scores = {anchor.score for anchor in self.anchors}
        if not {0.0, 1.0} <= scores:
            raise ValueError("anchors must include score 0.0 and score 1.0")
        return self


class FailureMode(BaseModel):
    """A failure-mode label the panel tags, with the turns where it occurs."""

    model_config = _STRICT

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Label id, snake_case.")
    description: str = Field(min_length=1, description="What the failure looks like, one line.")
    lowers: list[str] = Field(
        default_factory=list, description="Metrics this failure pulls down (for reference judges)."
    )


class Rubric(BaseModel):
    """The whole rubric: metrics and failure-mode labels."""

    model_config = _STRICT

    id: str = Field(min_length=1, description="Rubric id.")
    version: str = Field(min_length=1, description='Version text, e.g. "1.0" (quoted in YAML).')
    description: str = Field(
        "", description="What the rubric is for and where its items come from."
    )
    metrics: list[Metric] = Field(min_length=1, description="The scored items.")
    failure_modes: list[FailureMode] = Field(
        default_factory=list, description="The failure-mode labels."
    )

    @model_validator(mode="after")
    def _ids_unique_and_known(self) -> Rubric:
        metric_ids = [m.id for m in self.metrics]
        label_ids = [f.id for f in self.failure_modes]
        for kind, ids in (("metric", metric_ids), ("failure mode", label_ids)):
            repeated = sorted({i for i in ids if ids.count(i) > 1})
            if repeated:
                raise ValueError(f"{kind} id listed twice: {', '.join(repeated)}")
        unknown = sorted({m for f in self.failure_modes for m in f.lowers} - set(metric_ids))
        if unknown:
            raise ValueError(f"failure_modes.lowers names unknown metrics: {', '.join(unknown)}")
        return self

    @property
    def hash(self) -> str:
        """sha256 of the canonical content: comments and formatting do not change it."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def metrics_for(self, modality: str) -> list[Metric]:
        """The metrics scored for a session of this modality (unknown modalities: `other`)."""
        modality = modality if modality in MODALITIES else "other"
        return [m for m in self.metrics if modality in m.modalities]

    def metric(self, metric_id: str) -> Metric:
        for metric in self.metrics:
            if metric.id == metric_id:
                return metric
        raise KeyError(metric_id)

    @property
    def labels(self) -> list[str]:
        return [f.id for f in self.failure_modes]

    def lowered_by(self, label: str) -> list[str]:
        for mode in self.failure_modes:
            if mode.id == label:
                return list(mode.lowers)
        return []


def load_rubric(path: str | Path | None = None) -> Rubric:
    """The rubric at `path` (default: the shipped rubric.yaml), or JudgeError."""
    if path is None:
        return _default_rubric()
    return read_model(Path(path), Rubric, JudgeError)[0]


@cache
def _default_rubric() -> Rubric:
    return read_model(DEFAULT_RUBRIC, Rubric, JudgeError)[0]
