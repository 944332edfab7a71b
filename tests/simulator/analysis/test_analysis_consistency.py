"""Consistency across repeats: SD, ICC(1) and pass^k."""

from __future__ import annotations

import pytest

from simulator.analysis import AnalysisError, consistency, icc1


def _cells(make_row, cells: dict[str, list[float | None]], therapist: str = "t") -> list[dict]:
    return [
        make_row(therapist=therapist, cell=cell, repeat=k, scores={"m": score})
        for cell, scores in cells.items()
        for k, score in enumerate(scores)
    ]


def test_pass_k_is_the_share_of_cells_whose_repeats_all_pass(make_row) -> None:
    rows = _cells(make_row, {"a": [0.6, 0.7, 0.9], "b": [0.6, 0.4, 0.9]})
    (row,) = consistency(rows, ["m"], {"m": 0.5}).rows
    assert row.k == 3
    assert row.pass_k == pytest.approx(0.5)
    assert (row.n_cells, row.n_sessions, row.pass_k_cells) == (2, 6, 2)


def test_pass_k_for_smaller_k_uses_the_unbiased_estimator(make_row) -> None:
    rows = _cells(make_row, {"a": [0.6, 0.7, 0.9], "b": [0.6, 0.4, 0.9]})
    # Cell b: 2 of 3 pass, so C(2,2)/C(3,2) = 1/3; pass^1 is the plain pass rate 2/3.
    assert consistency(rows, ["m"], {"m": 0.5}, k=2).rows[0].pass_k == pytest.approx(2 / 3)
    assert consistency(rows, ["m"], {"m": 0.5}, k=1).rows[0].pass_k == pytest.approx(5 / 6)


def test_threshold_is_inclusive(make_row) -> None:
    rows = _cells(make_row, {"a": [0.5, 0.5]})
    assert consistency(rows, ["m"], {"m": 0.5}).rows[0].pass_k == 1.0


def test_sd_and_icc_come_from_repeats_within_cells(make_row) -> None:
    rows = _cells(make_row, {"a": [1, 3], "b": [4, 6], "c": [7, 9]})
    (row,) = consistency(rows, ["m"], {"m": 0}).rows
    assert row.sd == pytest.approx(2**0.5)
    assert row.icc == pytest.approx(0.8)
    assert row.icc == pytest.approx(icc1([[1, 3], [4, 6], [7, 9]])[0])


def test_unscorable_repeats_are_counted_and_leave_their_cell_out_of_pass_k(make_row) -> None:
    rows = _cells(make_row, {"a": [0.9, None, 0.9], "b": [0.9, 0.9, 0.9], "c": [0.9, 0.9]})
    (row,) = consistency(rows, ["m"], {"m": 0.5}).rows
    assert row.unscorable == 1
    assert (row.cells_with_unscorable, row.cells_too_few_repeats, row.pass_k_cells) == (1, 1, 1)
    assert row.pass_k == 1.0


def test_single_repeats_give_no_sd_or_icc_but_a_reason(make_row) -> None:
    rows = _cells(make_row, {"a": [0.9], "b": [0.2]})
    (row,) = consistency(rows, ["m"], {"m": 0.5}).rows
    assert row.sd is None and row.icc is None
    assert "SD needs" in row.reason and "ICC needs" in row.reason
    assert row.pass_k == pytest.approx(0.5)


def test_identical_scores_give_zero_sd_and_undefined_icc(make_row) -> None:
    rows = _cells(make_row, {"a": [0.5, 0.5], "b": [0.5, 0.5]})
    (row,) = consistency(rows, ["m"], {"m": 0.5}).rows
    assert row.sd == 0.0
    assert row.icc is None and "no variance" in row.reason


def test_missing_threshold_and_bad_k(make_row) -> None:
    rows = _cells(make_row, {"a": [0.5, 0.6]})
    (row,) = consistency(rows, ["m"], {}).rows
    assert row.pass_k is None and "no pass threshold for m" in row.reason
    with pytest.raises(AnalysisError, match="k >= 1"):
        consistency(rows, ["m"], {"m": 0.5}, k=0)


def test_rows_are_per_therapist_and_metric(make_row) -> None:
    rows = _cells(make_row, {"a": [0.9, 0.9]}, therapist="z")
    rows += _cells(make_row, {"a": [0.1, 0.9]}, therapist="y")
    table = consistency(rows, ["m", "absent"], {"m": 0.5, "absent": 0.5})
    assert [(r.therapist, r.metric) for r in table.rows] == [
        ("y", "m"),
        ("y", "absent"),
        ("z", "m"),
        ("z", "absent"),
    ]
    absent = table.rows[1]
    assert absent.unscorable == 2 and absent.pass_k is None
