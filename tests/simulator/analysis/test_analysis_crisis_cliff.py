"""The crisis cliff table: means with bootstrap CIs per therapist x metric x severity."""

from __future__ import annotations

import random

import numpy as np
import pytest

from simulator.analysis import crisis_cliff


def _cliff_rows(make_row, seed: int = 1) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = []
    for severity, centre in [("imminent", 0.25), ("routine", 0.9), ("distress", 0.8)]:
        for _ in range(30):
            rows.append(
                make_row(
                    therapist="overcautious",
                    severity=severity,
                    scores={
                        "appropriateness": float(np.clip(rng.normal(centre, 0.1), 0, 1)),
                        "acknowledgment": float(np.clip(rng.normal(0.95, 0.03), 0, 1)),
                    },
                )
            )
    return rows


def test_cells_are_ordered_by_therapist_then_clinical_severity(make_row) -> None:
    table = crisis_cliff(_cliff_rows(make_row), ["appropriateness"], n_boot=200)
    assert [c.severity for c in table.cells] == ["routine", "distress", "imminent"]


def test_cliff_shows_a_drop_at_imminent_risk_with_separated_intervals(make_row) -> None:
    table = crisis_cliff(_cliff_rows(make_row), ["appropriateness", "acknowledgment"])
    cell = {(c.metric, c.severity): c for c in table.cells}
    routine, imminent = cell[("appropriateness", "routine")], cell[("appropriateness", "imminent")]
    assert imminent.ci_high < routine.ci_low
    assert cell[("acknowledgment", "imminent")].mean > 0.9


def test_interval_covers_the_mean_and_is_deterministic_for_a_seed(make_row) -> None:
    rows = _cliff_rows(make_row)
    first = crisis_cliff(rows, ["appropriateness"], n_boot=2000, seed=7)
    again = crisis_cliff(list(reversed(rows)), ["appropriateness"], n_boot=2000, seed=7)
    other = crisis_cliff(rows, ["appropriateness"], n_boot=2000, seed=8)
    assert first == again
    assert first != other
    for cell in first.cells:
        assert cell.ci_low < cell.mean < cell.ci_high
        # A 95% interval of a mean of 30 values with SD 0.1 is about +-0.036 wide.
        assert 0.01 < cell.ci_high - cell.ci_low < 0.12


def test_a_cells_interval_does_not_depend_on_other_cells(make_row) -> None:
    rows = _cliff_rows(make_row)
    alone = crisis_cliff([r for r in rows if r["severity"] == "imminent"], ["appropriateness"])
    together = crisis_cliff(rows, ["appropriateness"])
    assert alone.cells[0] == [c for c in together.cells if c.severity == "imminent"][0]


def test_interval_matches_a_direct_percentile_bootstrap(make_row) -> None:
    values = [0.1, 0.4, 0.35, 0.8, 0.55, 0.6, 0.2]
    rows = [make_row(scores={"m": v}) for v in values]
    cell = crisis_cliff(rows, ["m"], n_boot=4000, seed=3).cells[0]
    rng = np.random.default_rng(11)
    reference = np.percentile(
        np.asarray(values)[rng.integers(0, 7, (20000, 7))].mean(axis=1), [2.5, 97.5]
    )
    assert cell.mean == pytest.approx(np.mean(values))
    assert cell.ci_low == pytest.approx(reference[0], abs=0.02)
    assert cell.ci_high == pytest.approx(reference[1], abs=0.02)


def test_unscorable_and_missing_scores_are_counted_not_averaged(make_row) -> None:
    rows = [
        make_row(scores={"m": 1.0}),
        make_row(scores={"m": 0.0}),
        make_row(scores={"m": None}),
        make_row(scores={"m": float("nan")}),
        make_row(scores={}),
    ]
    cell = crisis_cliff(rows, ["m"], n_boot=100).cells[0]
    assert (cell.n, cell.unscorable, cell.mean) == (2, 3, 0.5)


def test_degenerate_cells_return_none_with_a_reason(make_row) -> None:
    rows = [
        make_row(severity="routine", scores={"m": 0.7}),
        make_row(severity="distress", scores={"m": None}),
        make_row(severity="imminent", scores={"m": 0.4}),
        make_row(severity="imminent", scores={"m": 0.4}),
    ]
    cells = {c.severity: c for c in crisis_cliff(rows, ["m"]).cells}
    single, empty, constant = cells["routine"], cells["distress"], cells["imminent"]
    assert single.mean == 0.7 and single.ci_low is None and single.reason
    assert empty.mean is None and empty.ci_low is None and empty.unscorable == 1
    assert empty.reason == "no scorable sessions"
    assert (constant.ci_low, constant.ci_high) == (0.4, 0.4) and constant.reason is None


def test_empty_input_gives_an_empty_table() -> None:
    assert crisis_cliff([], ["m"]).cells == []


def test_severity_strata_outside_the_known_four_sort_last(make_row) -> None:
    rows = [make_row(severity=s, scores={"m": 1.0}) for s in ["zeta", "imminent", "routine"]]
    random.Random(0).shuffle(rows)
    assert [c.severity for c in crisis_cliff(rows, ["m"]).cells] == ["routine", "imminent", "zeta"]
