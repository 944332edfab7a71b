"""Judge agreement: alpha per metric, pairwise bias, unscorable counts."""

from __future__ import annotations

import pytest

from simulator.analysis import judge_agreement


def _rows(scores: dict[tuple[str, str], float | None], metric: str = "m") -> list[dict]:
    return [
        {"session_id": s, "judge": j, "metric": metric, "score": v} for (s, j), v in scores.items()
    ]


def test_pairwise_bias_and_unscorable_counts() -> None:
    rows = _rows(
        {
            ("s1", "a"): 4.0,
            ("s1", "b"): 3.0,
            ("s2", "a"): 5.0,
            ("s2", "b"): 3.0,
            ("s3", "a"): 2.0,
            ("s3", "b"): None,
            ("s4", "c"): 1.0,
        }
    )
    result = judge_agreement(rows, ["m"]).metrics[0]
    assert result.judges == ["a", "b", "c"]
    assert (result.n_sessions, result.pairable_sessions, result.unscorable) == (4, 2, 1)
    assert {c.judge: (c.scored, c.unscorable) for c in result.per_judge} == {
        "a": (3, 0),
        "b": (2, 1),
        "c": (1, 0),
    }
    bias = {(p.judge_a, p.judge_b): p for p in result.pairwise}
    assert bias[("a", "b")].mean_difference == pytest.approx(1.5) and bias[("a", "b")].n == 2
    assert bias[("a", "c")].mean_difference is None and bias[("a", "c")].reason


def test_alpha_is_one_for_perfect_agreement_and_low_for_noise() -> None:
    perfect = _rows({(f"s{i}", j): float(i) for i in range(5) for j in "ab"})
    assert judge_agreement(perfect, ["m"]).metrics[0].alpha == pytest.approx(1.0)
    crossed = _rows({(f"s{i}", j): float(i if j == "a" else 4 - i) for i in range(5) for j in "ab"})
    assert judge_agreement(crossed, ["m"]).metrics[0].alpha < 0


def test_alpha_undefined_cases_carry_reasons() -> None:
    one_judge = _rows({("s1", "a"): 1.0, ("s2", "a"): 2.0})
    assert judge_agreement(one_judge, ["m"]).metrics[0].reason == "alpha needs 2 or more judges"

    no_overlap = _rows({("s1", "a"): 1.0, ("s2", "b"): 2.0})
    assert "scored by 2 or more judges" in judge_agreement(no_overlap, ["m"]).metrics[0].reason

    constant = _rows({(s, j): 3.0 for s in ("s1", "s2") for j in "ab"})
    result = judge_agreement(constant, ["m"]).metrics[0]
    assert result.alpha is None and "same" in result.reason

    absent = judge_agreement([], ["m"]).metrics[0]
    assert absent.alpha is None and absent.judges == [] and absent.n_sessions == 0


def test_metrics_are_kept_apart_and_duplicates_averaged() -> None:
    rows = _rows({("s1", "a"): 1.0, ("s1", "b"): 1.0, ("s2", "a"): 2.0, ("s2", "b"): 2.0})
    rows += _rows({("s1", "a"): 9.0}, metric="other")
    rows.append({"session_id": "s1", "judge": "b", "metric": "m", "score": 3.0})
    result = judge_agreement(rows, ["m", "other"])
    m, other = result.metrics
    assert [p.mean_difference for p in m.pairwise] == [pytest.approx(-0.5)]
    assert other.judges == ["a"] and other.alpha is None
