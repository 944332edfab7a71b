"""Input validation and JSON-readiness shared by every table."""

from __future__ import annotations

import json

import pytest

from simulator.analysis import (
    AnalysisError,
    SessionRow,
    consistency,
    crisis_cliff,
    demographic_robustness,
    deterioration_rates,
    failure_mode_rates,
    judge_agreement,
)


def test_malformed_rows_raise_one_problem_per_field(make_row) -> None:
    good = make_row(scores={"m": 0.5})
    bad_score = make_row(scores={"m": "high"})
    no_therapist = {k: v for k, v in make_row().items() if k != "therapist"}
    with pytest.raises(AnalysisError) as caught:
        crisis_cliff([good, bad_score, no_therapist], ["m"])
    problems = caught.value.problems
    assert len(problems) == 2
    assert problems[0].startswith("row 1: scores.m:")
    assert problems[1].startswith("row 2: therapist:")


def test_negative_detector_counts_are_rejected(make_row) -> None:
    with pytest.raises(AnalysisError, match="row 0: detector_counts.x"):
        failure_mode_rates([make_row(detector_counts={"x": -1})])


def test_judge_rows_are_validated() -> None:
    with pytest.raises(AnalysisError, match="row 0: judge"):
        judge_agreement([{"session_id": "s", "metric": "m", "score": 1.0}], ["m"])


def test_typed_rows_and_dicts_are_interchangeable(make_row) -> None:
    dicts = [make_row(scores={"m": v}) for v in (0.2, 0.4, 0.9)]
    typed = [SessionRow.model_validate(d) for d in dicts]
    assert crisis_cliff(dicts, ["m"]) == crisis_cliff(typed, ["m"])


def _reject_nan(token: str) -> float:
    raise AssertionError(f"non-JSON number {token} in output")


def test_every_table_serialises_to_strict_json_on_degenerate_data(make_row) -> None:
    rows = [
        make_row(twin_group="g", demographics={"race": "A"}, scores={"m": float("nan")}),
        make_row(twin_group="g", demographics={"race": "B"}, scores={"m": 0.5}),
        make_row(therapist_turns=0, deteriorated_judge=None, scores={"m": 0.5}),
    ]
    judge_rows = [{"session_id": "s", "judge": "a", "metric": "m", "score": float("nan")}]
    tables = [
        crisis_cliff(rows, ["m"]),
        demographic_robustness(rows, ["race"], ["m"], 0.1),
        consistency(rows, ["m"], {"m": 0.5}),
        deterioration_rates(rows),
        failure_mode_rates(rows),
        judge_agreement(judge_rows, ["m"]),
    ]
    for table in tables:
        json.loads(table.model_dump_json(), parse_constant=_reject_nan)


def test_meaningless_resampling_settings_are_rejected(make_row) -> None:
    rows = [make_row(scores={"m": 0.5})]
    with pytest.raises(AnalysisError, match="n_boot must be at least 1"):
        crisis_cliff(rows, ["m"], n_boot=0)
    with pytest.raises(AnalysisError) as caught:
        demographic_robustness(rows, ["race"], ["m"], 0.1, n_perm=0, seed=-1, alpha=1.5)
    assert len(caught.value.problems) == 3
