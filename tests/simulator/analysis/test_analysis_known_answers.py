"""Known-answer checks: every statistic against a value computed by hand or in the literature."""

from __future__ import annotations

import pytest

from simulator.analysis import cohen_kappa, holm, icc1, judge_agreement, pooled_sd

NAN = None

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 coders x 12 units.
TEXTBOOK = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    "C": [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
}


def _judge_rows(table: dict[str, list[float | None]], metric: str = "m") -> list[dict]:
    return [
        {"session_id": f"u{unit}", "judge": judge, "metric": metric, "score": score}
        for judge, scores in table.items()
        for unit, score in enumerate(scores)
    ]


def test_alpha_matches_krippendorffs_textbook_interval_value() -> None:
    result = judge_agreement(_judge_rows(TEXTBOOK), ["m"]).metrics[0]
    assert result.alpha == pytest.approx(0.849, abs=5e-4)


def test_alpha_matches_hand_computation() -> None:
    # Values 1,1 | 2,2 | 3,4: Do = 2/6, De = 82/30, alpha = 1 - Do/De = 36/41.
    table = {"A": [1, 2, 3], "B": [1, 2, 4]}
    assert judge_agreement(_judge_rows(table), ["m"]).metrics[0].alpha == pytest.approx(36 / 41)


def test_icc1_matches_hand_computation() -> None:
    # Cell means 2, 5, 8: MSB = 36/2 = 18, MSW = 6/3 = 2, ICC(1) = (18-2)/(18+2) = 0.8.
    icc, reason = icc1([[1, 3], [4, 6], [7, 9]])
    assert reason is None
    assert icc == pytest.approx(0.8)


def test_icc1_unbalanced_uses_adjusted_group_size() -> None:
    # Groups [1,3], [5], [8,9,10]: N=6, k0 = (6 - 14/6)/2 = 11/6.
    # Means 2, 5, 9; grand 36/6 = 6; SSB = 2*16 + 1*1 + 3*9 = 60 -> MSB = 30.
    # SSW = 2 + 0 + 2 = 4 over 3 df -> MSW = 4/3.
    icc, _ = icc1([[1, 3], [5], [8, 9, 10]])
    msb, msw, k0 = 30.0, 4 / 3, 11 / 6
    assert icc == pytest.approx((msb - msw) / (msb + (k0 - 1) * msw))


def test_icc1_is_negative_when_repeats_vary_more_than_cells() -> None:
    icc, _ = icc1([[0, 10], [0, 10], [0, 10]])
    assert icc is not None and icc < 0


def test_holm_matches_hand_computation() -> None:
    # Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 -> 0.02, 0.03, 0.06, 0.04 -> monotone.
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_holm_leaves_missing_tests_out_of_the_family() -> None:
    adjusted = holm([0.01, None, 0.04])
    assert adjusted[1] is None
    assert adjusted[0] == pytest.approx(0.02)
    assert adjusted[2] == pytest.approx(0.04)


def test_cohen_kappa_matches_hand_computation() -> None:
    # 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no: po = 0.7, pe = 0.5*0.6 + 0.5*0.4 = 0.5.
    first = [True] * 25 + [False] * 25
    second = [True] * 20 + [False] * 5 + [True] * 10 + [False] * 15
    kappa, reason = cohen_kappa(first, second)
    assert reason is None
    assert kappa == pytest.approx(0.4)


def test_pooled_sd_weights_cells_by_degrees_of_freedom() -> None:
    # Within SS: [1,3] -> 2, [4,6,8] -> 8; df 1 + 2 = 3.
    assert pooled_sd([[1, 3], [4, 6, 8], [5]]) == pytest.approx((10 / 3) ** 0.5)
    assert pooled_sd([[1], [2]]) is None
