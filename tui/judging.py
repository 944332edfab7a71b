"""Read stored judgments into per-metric scores and the turns judges cited.

The judge panel owns the format of `scores_json` and `failure_modes_json` (the store's
JudgmentRecord hands them over parsed); this module only reads them, tolerantly (a metric
maps to a number, or to `{score, evidence, rationale}`; evidence is a list of turn indices or
of `{turn: ...}` objects), so the UI shows what is there instead of failing on a field it
does not know.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.store.session_record import JudgmentRecord

# The panel flags a metric for human review when its judges disagree by more than this.
REVIEW_RANGE = 0.5


@dataclass(frozen=True)
class JudgeMetric:
    """One judge's score of one metric."""

    score: float | None
    evidence: tuple[int, ...] = ()
    rationale: str = ""


@dataclass(frozen=True)
class Judgment:
    """One judge's verdict on one session, as stored."""

    id: int
    judge: str
    index: int
    status: str
    reason: str
    rubric_hash: str
    metrics: dict[str, JudgeMetric] = field(default_factory=dict)
    failure_modes: dict[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"judge {self.index + 1}"

    @property
    def scorable(self) -> bool:
        return self.status not in ("unscorable", "failed", "error")


@dataclass(frozen=True)
class MetricSummary:
    """The panel's view of one metric: median, spread and whether a human should look."""

    metric: str
    median: float | None
    spread: float | None  # highest minus lowest judge score
    judges: int
    needs_review: bool


def _loads(raw: Any) -> Any:
    if raw is None or isinstance(raw, dict | list):
        return raw
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN means unscorable


def _turns(value: Any) -> tuple[int, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        value = [value]
    turns: list[int] = []
    for item in value:
        if isinstance(item, Mapping):
            item = item.get("turn", item.get("index"))
        if isinstance(item, bool):
            continue
        if isinstance(item, int):
            turns.append(item)
        elif isinstance(item, str) and item.strip().isdigit():
            turns.append(int(item))
    return tuple(sorted(set(turns)))


def _named_items(data: Any, *keys: str) -> Iterable[tuple[str, Any]]:
    if isinstance(data, Mapping):
        return [(str(k), v) for k, v in data.items()]
    if isinstance(data, list):
        return [
            (str(name), item)
            for item in data
            if isinstance(item, Mapping)
            and (name := next((item[k] for k in keys if item.get(k)), None))
        ]
    return []


def parse_scores(raw: Any) -> dict[str, JudgeMetric]:
    """`scores_json` as metric -> JudgeMetric."""
    data = _loads(raw)
    if isinstance(data, Mapping) and isinstance(data.get("metrics"), dict | list):
        data = data["metrics"]
    parsed: dict[str, JudgeMetric] = {}
    for name, value in _named_items(data, "metric", "id", "name"):
        if isinstance(value, Mapping):
            evidence = value.get("evidence", value.get("evidence_turns", value.get("turns")))
            parsed[name] = JudgeMetric(
                _number(value.get("score")), _turns(evidence), str(value.get("rationale") or "")
            )
        else:
            parsed[name] = JudgeMetric(_number(value))
    return parsed


def parse_failure_modes(raw: Any) -> dict[str, tuple[int, ...]]:
    """`failure_modes_json` as label -> turns."""
    parsed: dict[str, tuple[int, ...]] = {}
    for name, value in _named_items(_loads(raw), "label", "id", "name"):
        if isinstance(value, Mapping):
            value = value.get("turns", value.get("turn", value.get("evidence")))
        parsed[name] = _turns(value)
    return parsed


def judgment_from_record(record: JudgmentRecord) -> Judgment:
    return Judgment(
        id=record.id,
        judge=record.judge_model or "?",
        index=record.judge_index,
        status=record.status,
        reason=record.reason or "",
        rubric_hash=record.rubric_hash,
        metrics=parse_scores(record.scores),
        failure_modes=parse_failure_modes(record.failure_modes),
    )


def latest_panel(records: Iterable[JudgmentRecord]) -> list[Judgment]:
    """The judgments of the newest rubric a session was judged under, newest per judge seat."""
    judgments = sorted((judgment_from_record(r) for r in records), key=lambda j: j.id)
    if not judgments:
        return []
    rubric = judgments[-1].rubric_hash
    seats: dict[tuple[str, int], Judgment] = {}
    for judgment in judgments:
        if judgment.rubric_hash == rubric:
            seats[(judgment.judge, judgment.index)] = judgment
    return sorted(seats.values(), key=lambda j: (j.index, j.judge))


def summarize(panel: Iterable[Judgment]) -> list[MetricSummary]:
    """Per metric across the scorable judges: median, range, and the needs-review flag."""
    scores: dict[str, list[float]] = {}
    for judgment in panel:
        for metric, value in judgment.metrics.items():
            bucket = scores.setdefault(metric, [])
            if judgment.scorable and value.score is not None:
                bucket.append(value.score)
    summaries = []
    for metric, values in scores.items():
        if values:
            low, high = min(values), max(values)
            summaries.append(
                MetricSummary(
                    metric,
                    statistics.median(values),
                    high - low,
                    len(values),
                    high - low > REVIEW_RANGE,
                )
            )
        else:
            # no judge could score it: that too wants a human
            summaries.append(MetricSummary(metric, None, None, 0, True))
    return summaries


def summaries_from_scores(scores: Mapping[str, Any]) -> list[MetricSummary]:
    """The judges package's own per-metric aggregates (`judgment_summary()["scores"]`)."""
    summaries = []
    for metric, agg in scores.items():
        agg = agg if isinstance(agg, Mapping) else {"median": agg}
        spread = agg.get("range")
        if isinstance(spread, list | tuple) and len(spread) == 2:
            low, high = _number(spread[0]), _number(spread[1])
            spread = None if low is None or high is None else high - low
        elif _number(agg.get("min")) is not None and _number(agg.get("max")) is not None:
            spread = _number(agg["max"]) - _number(agg["min"])  # type: ignore[operator]
        judges = agg.get("n", agg.get("judges", 0))
        summaries.append(
            MetricSummary(
                str(metric),
                _number(agg.get("median", agg.get("mean"))),
                _number(spread),
                judges if isinstance(judges, int) else 0,
                bool(agg.get("needs_review")),
            )
        )
    return summaries


def session_score(summaries: Iterable[MetricSummary]) -> float | None:
    """One number for a table cell: the mean of the metric medians."""
    medians = [s.median for s in summaries if s.median is not None]
    return sum(medians) / len(medians) if medians else None


def metric_medians(panel: Iterable[Judgment]) -> dict[str, float | None]:
    return {s.metric: s.median for s in summarize(panel)}


def citations(panel: Iterable[Judgment]) -> dict[int, list[str]]:
    """Turn -> what the judges cited it for ("no_false_reassurance (judge 2): ...")."""
    cited: dict[int, list[str]] = {}
    for judgment in panel:
        for metric, value in judgment.metrics.items():
            note = f"{metric} ({judgment.label})" + (
                f": {value.rationale}" if value.rationale else ""
            )
            for turn in value.evidence:
                cited.setdefault(turn, []).append(note)
        for label, turns in judgment.failure_modes.items():
            for turn in turns:
                cited.setdefault(turn, []).append(f"failure mode {label} ({judgment.label})")
    return cited
