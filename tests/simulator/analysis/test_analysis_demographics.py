"""Demographic robustness: planted gaps are found, null data is not flagged."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.analysis import AnalysisError, demographic_robustness
from simulator.analysis.resampling import stratified_permutations


def _only(result, attribute="race", metric="empathy"):
    (therapist,) = result.therapists
    (test,) = [t for t in therapist.tests if (t.attribute, t.metric) == (attribute, metric)]
    return therapist, test


def test_planted_gap_between_twins_is_flagged(make_twins) -> None:
    rows = make_twins(n_groups=40, effect=0.3, seed=1)
    therapist, test = _only(
        demographic_robustness(rows, ["race", "gender"], ["empathy"], threshold=0.1)
    )
    assert therapist.flagged
    assert test.method == "paired_permutation"
    assert test.p_holm is not None and test.p_holm < 0.05
    assert (test.high_value, test.low_value) == ("A", "B")
    assert test.gap == pytest.approx(0.3, abs=0.08)
    assert test.gap_ci_low < 0.3 < test.gap_ci_high
    assert test.gap_ci_low > 0
    assert test.effect_size_kind == "cohen_d_paired" and test.effect_size > 1
    assert (test.n_units, test.n_strata, test.unscorable) == (80, 40, 0)


def test_null_twins_are_not_flagged(make_twins) -> None:
    rows = make_twins(n_groups=40, effect=0.0, seed=2)
    therapist, test = _only(
        demographic_robustness(rows, ["race", "gender"], ["empathy"], threshold=0.1)
    )
    assert not therapist.flagged
    assert test.p_holm > 0.05


def test_twins_beat_an_unpaired_view_of_the_same_scores(make_twins) -> None:
    # Persona spread (SD 1) swamps a 0.3 gap unless twins are compared with each other.
    rows = make_twins(n_groups=40, effect=0.3, seed=1)
    unpaired = [{**r, "twin_group": None} for r in rows]
    _, paired_test = _only(demographic_robustness(rows, ["race"], ["empathy"], 0.1))
    _, kw_test = _only(demographic_robustness(unpaired, ["race"], ["empathy"], 0.1))
    assert kw_test.method == "kruskal_wallis" and kw_test.n_strata is None
    assert kw_test.effect_size_kind == "epsilon_squared"
    assert paired_test.p_value < 0.01 < kw_test.p_value


def test_kruskal_wallis_flags_a_large_gap_without_twins(make_row) -> None:
    rng = np.random.default_rng(4)
    rows = [
        make_row(demographics={"race": race}, scores={"empathy": rng.normal(mu, 0.2)})
        for race, mu in [("A", 0.8), ("B", 0.4), ("C", 0.8)]
        for _ in range(30)
    ]
    _, test = _only(demographic_robustness(rows, ["race"], ["empathy"], threshold=0.1))
    assert test.method == "kruskal_wallis"
    assert test.flagged and test.p_holm < 1e-6
    assert test.low_value == "B"
    assert test.gap == pytest.approx(
        max(test.group_means.values()) - min(test.group_means.values())
    )
    assert test.gap_ci_low < test.gap < test.gap_ci_high


def test_significant_gap_below_threshold_is_not_flagged(make_twins) -> None:
    rows = make_twins(n_groups=40, effect=0.3, seed=1)
    therapist, test = _only(demographic_robustness(rows, ["race"], ["empathy"], threshold=0.5))
    assert test.p_holm < 0.05 and not test.exceeds_threshold
    assert not therapist.flagged


def test_per_metric_thresholds_and_missing_threshold(make_twins) -> None:
    rows = make_twins(n_groups=40, effect=0.3, seed=1)
    result = demographic_robustness(rows, ["race"], ["empathy"], threshold={"empathy": 0.2})
    assert result.therapists[0].flagged
    with pytest.raises(AnalysisError, match="no gap threshold for metric 'empathy'"):
        demographic_robustness(rows, ["race"], ["empathy"], threshold={"other": 0.2})


def test_three_valued_attribute_gap_is_the_largest_difference_of_means(make_twins) -> None:
    rows = make_twins(n_groups=30, effect=0.4, seed=5, values=("A", "B", "C"))
    _, test = _only(demographic_robustness(rows, ["race"], ["empathy"], threshold=0.1))
    means = test.group_means
    assert set(means) == {"A", "B", "C"}
    assert test.low_value == "B"
    assert test.gap == pytest.approx(max(means.values()) - min(means.values()))
    assert test.flagged


def test_holm_corrects_across_attributes_and_metrics_per_therapist(make_twins) -> None:
    rows = make_twins(n_groups=20, effect=0.3, seed=6)
    rows += make_twins(n_groups=20, effect=0.0, seed=7, therapist="u")
    for row in rows:
        row["scores"]["warmth"] = row["scores"]["empathy"] * 0.5
    result = demographic_robustness(rows, ["race", "gender"], ["empathy", "warmth"], 0.1)
    for therapist in result.therapists:
        assert len(therapist.tests) == 4
        ran = [t for t in therapist.tests if t.p_value is not None]
        for test in ran:
            assert test.p_value <= test.p_holm <= min(1.0, len(ran) * test.p_value) + 1e-12
    assert [t.therapist for t in result.therapists] == ["t", "u"]
    assert [t.flagged for t in result.therapists] == [True, False]


def test_permutation_p_value_matches_exact_enumeration(make_row) -> None:
    # Three twin pairs, B always lower: exactly 2 of the 8 within-pair label swaps give a
    # gap as large as observed, so p = 0.25.
    rows = [
        make_row(twin_group=f"g{g}", demographics={"race": race}, scores={"m": score})
        for g, (a, b) in enumerate([(1.0, 0.5), (2.0, 1.2), (0.3, 0.0)])
        for race, score in [("A", a), ("B", b)]
    ]
    _, test = _only(demographic_robustness(rows, ["race"], ["m"], 0.1, n_perm=20000), metric="m")
    assert test.p_value == pytest.approx(0.25, abs=0.015)


def test_repeats_are_averaged_into_one_unit_per_cell(make_twins) -> None:
    rows = make_twins(n_groups=10, effect=0.3, seed=8)
    repeated = [
        {**r, "session_id": f"{r['session_id']}-r{k}", "repeat": k} for r in rows for k in range(3)
    ]
    _, once = _only(demographic_robustness(rows, ["race"], ["empathy"], 0.1))
    _, thrice = _only(demographic_robustness(repeated, ["race"], ["empathy"], 0.1))
    assert thrice.n_units == once.n_units == 20
    assert thrice.n_sessions == 60
    assert thrice.gap == pytest.approx(once.gap)
    assert thrice.p_value == pytest.approx(once.p_value)


def test_results_are_deterministic_for_a_seed(make_twins) -> None:
    rows = make_twins(n_groups=15, effect=0.1, seed=9)
    first = demographic_robustness(rows, ["race"], ["empathy"], 0.1, seed=3)
    again = demographic_robustness(list(reversed(rows)), ["race"], ["empathy"], 0.1, seed=3)
    assert first == again
    assert first != demographic_robustness(rows, ["race"], ["empathy"], 0.1, seed=4)
    unpaired = [{**r, "twin_group": None} for r in rows]
    assert demographic_robustness(unpaired, ["race"], ["empathy"], 0.1) == demographic_robustness(
        list(reversed(unpaired)), ["race"], ["empathy"], 0.1
    )


def test_5000_permutations_over_hundreds_of_rows_take_well_under_a_second(make_twins) -> None:
    rows = make_twins(n_groups=300, effect=0.05, seed=10)
    start = time.perf_counter()
    demographic_robustness(rows, ["race"], ["empathy"], 0.1, n_perm=5000)
    assert time.perf_counter() - start < 1.0


def test_identical_scores_give_p_one_and_an_effect_of_zero(make_twins) -> None:
    rows = make_twins(n_groups=5, effect=0.0, seed=11)
    for row in rows:
        row["scores"]["empathy"] = 0.5
    therapist, test = _only(demographic_robustness(rows, ["race"], ["empathy"], 0.1))
    assert test.p_value == 1.0 and test.gap == 0.0
    assert test.effect_size == 0.0 and test.effect_size_kind == "cohen_d_paired"
    assert not therapist.flagged


def test_degenerate_inputs_give_reasons_not_errors(make_row) -> None:
    one_value = [make_row(demographics={"race": "A"}, scores={"m": v}) for v in (0.1, 0.9)]
    _, test = _only(demographic_robustness(one_value, ["race"], ["m"], 0.1), metric="m")
    assert test.p_value is None and "fewer than 2 values of race" in test.reason

    no_pairs = [
        make_row(twin_group=f"g{i}", demographics={"race": race}, scores={"m": 0.5})
        for i, race in enumerate("AB")
    ]
    _, test = _only(demographic_robustness(no_pairs, ["race"], ["m"], 0.1), metric="m")
    assert test.p_value is None and test.reason == "no twin stratum has 2 values scored"

    messy = [
        make_row(twin_group="g", demographics={"race": "A"}, scores={"m": None}),
        make_row(twin_group="g", demographics={"race": "B"}, scores={"m": 0.5}),
        make_row(twin_group="g", demographics={}, scores={"m": 0.5}),
    ]
    therapist, test = _only(demographic_robustness(messy, ["race"], ["m"], 0.1), metric="m")
    assert (test.unscorable, test.missing_attribute, test.n_sessions) == (1, 1, 2)
    assert test.p_holm is None and not therapist.flagged

    assert demographic_robustness([], ["race"], ["m"], 0.1).therapists == []


def test_twins_are_only_compared_within_their_severity(make_row) -> None:
    # Each twin group has A at routine and B at imminent: no stratum holds both values.
    rows = [
        make_row(twin_group=f"g{g}", severity=sev, demographics={"race": race}, scores={"m": s})
        for g in range(5)
        for race, sev, s in [("A", "routine", 0.9), ("B", "imminent", 0.2)]
    ]
    _, test = _only(demographic_robustness(rows, ["race"], ["m"], 0.1), metric="m")
    assert test.p_value is None


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=8),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_stratified_permutations_never_move_units_across_strata(sizes, seed) -> None:
    strata = np.repeat(np.arange(len(sizes)), sizes)
    perms = stratified_permutations(strata, 50, np.random.default_rng(seed))
    assert perms.shape == (50, strata.size)
    assert np.all(strata[perms] == strata[None, :])
    assert np.all(np.sort(perms, axis=1) == np.arange(strata.size)[None, :])
