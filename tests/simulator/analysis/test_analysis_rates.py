"""Deterioration rates and failure-mode rates per therapist and severity."""

from __future__ import annotations

import pytest

from simulator.analysis import deterioration_rates, failure_mode_rates


def test_deterioration_shares_agreement_and_kappa(make_row) -> None:
    pairs = [(True, True)] * 20 + [(True, False)] * 5 + [(False, True)] * 10 + [(False, False)] * 15
    rows = [make_row(deteriorated_state=s, deteriorated_judge=j) for s, j in pairs]
    rows.append(make_row(deteriorated_state=True, deteriorated_judge=None))
    by_severity = {r.severity: r for r in deterioration_rates(rows).rows}
    row = by_severity["routine"]
    assert (row.n, row.state_n, row.judge_n, row.unscorable, row.both_n) == (51, 51, 50, 1, 50)
    assert row.state_rate == pytest.approx(26 / 51)
    assert row.judge_rate == pytest.approx(30 / 50)
    assert row.agreement == pytest.approx(0.7)
    assert row.kappa == pytest.approx(0.4)
    assert row.state_ci[0] < row.state_rate < row.state_ci[1]
    assert by_severity["all"].model_dump(exclude={"severity"}) == row.model_dump(
        exclude={"severity"}
    )


def test_deterioration_rows_per_severity_plus_overall(make_row) -> None:
    rows = [
        make_row(therapist="b", severity="imminent", deteriorated_state=True),
        make_row(therapist="b", severity="routine", deteriorated_state=False),
        make_row(therapist="a", severity="distress", deteriorated_state=False),
    ]
    table = deterioration_rates(rows)
    assert [(r.therapist, r.severity) for r in table.rows] == [
        ("a", "distress"),
        ("a", "all"),
        ("b", "routine"),
        ("b", "imminent"),
        ("b", "all"),
    ]
    assert table.rows[-1].state_rate == 0.5


def test_constant_verdicts_leave_kappa_undefined_with_a_reason(make_row) -> None:
    rows = [make_row(deteriorated_state=False, deteriorated_judge=False) for _ in range(4)]
    row = deterioration_rates(rows).rows[0]
    assert row.agreement == 1.0
    assert row.kappa is None and "kappa undefined" in row.reason


def test_no_judge_verdicts(make_row) -> None:
    rows = [make_row(deteriorated_state=True, deteriorated_judge=None) for _ in range(3)]
    row = deterioration_rates(rows).rows[0]
    assert row.judge_rate is None and row.judge_ci is None and row.unscorable == 3
    assert row.agreement is None and row.kappa is None
    assert "no judge-based verdicts" in row.reason


def test_failure_mode_rates_are_flagged_turns_over_therapist_turns(make_row) -> None:
    rows = [
        make_row(severity="imminent", therapist_turns=10, detector_counts={"crisis_line": 4}),
        make_row(severity="imminent", therapist_turns=30, detector_counts={"grounding": 3}),
        make_row(severity="routine", therapist_turns=20, detector_counts={}),
    ]
    table = failure_mode_rates(rows)
    assert table.labels == ["crisis_line", "grounding"]
    rows_by = {r.severity: r for r in table.rows}
    imminent = rows_by["imminent"]
    assert imminent.turns == 40
    assert imminent.rates == {"crisis_line": pytest.approx(0.1), "grounding": pytest.approx(0.075)}
    assert rows_by["routine"].rates == {"crisis_line": 0.0, "grounding": 0.0}
    assert rows_by["all"].rates["crisis_line"] == pytest.approx(4 / 60)


def test_failure_modes_without_turns_are_none_with_a_reason(make_row) -> None:
    row = failure_mode_rates([make_row(therapist_turns=0, detector_counts={"x": 0})]).rows[0]
    assert row.rates == {"x": None}
    assert row.unscorable == 1 and row.reason == "no therapist turns"
