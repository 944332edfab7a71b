"""The structured output a judge must return, built from the rubric for one session.

Compact on purpose (the embedded judge's JSON is forced by a grammar): per metric a score,
evidence turns and one short rationale; failure modes as a list of {label, turns}.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

MAX_EVIDENCE = 6
MAX_RATIONALE_CHARS = 200
MAX_FINDINGS = 12


@lru_cache(maxsize=256)
def judgment_model(
    metric_ids: tuple[str, ...], labels: tuple[str, ...], last_turn: int
) -> type[BaseModel]:
    """A pydantic model for one judgment: `scores` (one field per metric) and `failure_modes`."""
    TurnIndex = Annotated[int, Field(ge=0, le=max(last_turn, 0))]
    config = ConfigDict(extra="forbid")
    metric_score = create_model(
        "MetricScore",
        __config__=config,
        score=(float, Field(ge=0.0, le=1.0, description="0.0 (worst) to 1.0 (best).")),
        evidence=(
            list[TurnIndex],
            Field(max_length=MAX_EVIDENCE, description="Turn numbers the score rests on."),
        ),
        rationale=(
            str,
            Field(max_length=MAX_RATIONALE_CHARS, description="One short sentence: why."),
        ),
    )
    scores = create_model(
        "Scores",
        __config__=config,
        **{m: (metric_score, Field(description=f"The score for {m}.")) for m in metric_ids},
    )
    fields: dict = {"scores": (scores, Field(description="One entry per rubric metric."))}
    if labels:
        finding = create_model(
            "FailureModeFinding",
            __config__=config,
            label=(Literal[labels], Field(description="The failure-mode label.")),
            turns=(
                list[TurnIndex],
                Field(min_length=1, max_length=MAX_EVIDENCE, description="Therapist turns."),
            ),
        )
        fields["failure_modes"] = (
            list[finding],
            Field(max_length=MAX_FINDINGS, description="Failure modes found; empty if none."),
        )
    return create_model("Judgment", __config__=config, **fields)
