"""The structured output a judge must return, built from the rubric for one session.

Two shapes. Full (API models): per metric a score, evidence turns and one short rationale;
failure modes as a list of {label, turns}. Compact (the embedded base model, whose JSON is
forced token by token by a grammar, so every output token costs): per metric a bare score on
the anchored levels 0, 0.25, 0.5, 0.75, 1, one shared evidence list and one short rationale. `normalise` turns either into the full form.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

MAX_EVIDENCE = 6
MAX_RATIONALE_CHARS = 200
MIN_RATIONALE_CHARS = 8  # a score must come with its reason; the panel checks the words
MAX_COMPACT_RATIONALE_CHARS = 120
MAX_FINDINGS = 12
MAX_COMPACT_FINDINGS = 4
COMPACT_LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0)

_CONFIG = ConfigDict(extra="forbid")
Score = Annotated[float, Field(ge=0.0, le=1.0, description="0.0 (worst) to 1.0 (best).")]


@lru_cache(maxsize=256)
def judgment_model(
    metric_ids: tuple[str, ...], labels: tuple[str, ...], last_turn: int, compact: bool = False
) -> type[BaseModel]:
    """A pydantic model for one judgment: `scores` (one field per metric) and `failure_modes`."""
    turn_index: Any = Annotated[int, Field(ge=0, le=max(last_turn, 0))]
    evidence = Field(max_length=MAX_EVIDENCE, description="Turn numbers the scores rest on.")
    fields: dict[str, Any] = {}
    if compact:
        # llama.cpp's schema grammar enforces enums and lengths but not minimum/maximum:
        # enums keep every score on the anchored levels and every turn number real.
        turn_index = Literal[tuple(range(max(last_turn, 0) + 1))]
        per_metric: Any = Annotated[
            Literal[COMPACT_LEVELS], Field(description="One of the anchored levels.")
        ]
        fields["evidence"] = (list[turn_index], evidence)
        fields["rationale"] = (
            str,
            Field(
                min_length=MIN_RATIONALE_CHARS,
                max_length=MAX_COMPACT_RATIONALE_CHARS,
                description="One short sentence: why.",
            ),
        )
    else:
        per_metric = create_model(
            "MetricScore",
            __config__=_CONFIG,
            score=(Score, ...),
            evidence=(list[turn_index], evidence),
            rationale=(
                str,
                Field(
                    min_length=MIN_RATIONALE_CHARS,
                    max_length=MAX_RATIONALE_CHARS,
                    description="One short sentence: why.",
                ),
            ),
        )
    scores = create_model(
        "Scores",
        __config__=_CONFIG,
        **{m: (per_metric, Field(description=f"The score for {m}.")) for m in metric_ids},
    )
    fields = {"scores": (scores, Field(description="One entry per rubric metric.")), **fields}
    if labels:
        finding = create_model(
            "FailureModeFinding",
            __config__=_CONFIG,
            label=(Literal[labels], Field(description="The failure-mode label.")),
            turns=(
                list[turn_index],
                Field(min_length=1, max_length=MAX_EVIDENCE, description="Therapist turns."),
            ),
        )
        fields["failure_modes"] = (
            list[finding],
            Field(
                max_length=MAX_COMPACT_FINDINGS if compact else MAX_FINDINGS,
                description="Failure modes found; empty if none.",
            ),
        )
    return create_model("Judgment", __config__=_CONFIG, **fields)


def normalise(judgment: BaseModel) -> tuple[dict[str, dict], dict[str, list[int]]]:
    """(metric -> {score, evidence, rationale}, label -> sorted turns) from either shape."""
    data = judgment.model_dump()
    scores = {}
    for metric, value in data["scores"].items():
        if isinstance(value, dict):
            scores[metric] = value
        else:
            scores[metric] = {
                "score": value,
                "evidence": list(data.get("evidence", [])),
                "rationale": data.get("rationale", ""),
            }
    modes: dict[str, set[int]] = {}
    for finding in data.get("failure_modes", []):
        modes.setdefault(finding["label"], set()).update(finding["turns"])
    return scores, {label: sorted(turns) for label, turns in sorted(modes.items())}
