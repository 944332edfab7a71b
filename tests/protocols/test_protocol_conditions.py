"""The condition language: parsing, type checks, three-valued evaluation, ordered risk."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols import RISK_LEVELS, ProtocolError, describe, evaluate, parse_condition
from vocabulary.conditions import compile_condition, truth, variables_read

ENGINE_VALUES = {
    "suds": 62,
    "suds_peak": 80,
    "suds_baseline": 55,
    "belief": 70,
    "risk": "low",
    "engagement": 0.8,
    "turns_in_step": 3,
    "step_done": True,
    "turn": 7,
    "avoidance_reinforced": False,
}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("suds >= 60", True),
        ("suds < 60", False),
        ("suds <= suds_peak - 20", False),
        ("suds <= suds_peak - 18", True),
        ("suds >= suds_baseline + 7", True),
        ("risk >= low", True),
        ("risk > low", False),
        ("risk <= moderate", True),
        ("risk != none", True),
        ("engagement < 0.5", False),
        ("step_done", True),
        ("not step_done", False),
        ("avoidance_reinforced == false", True),
        ("turn == 7", True),
        ({"all": ["step_done", "turns_in_step >= 3"]}, True),
        ({"all": ["step_done", "turns_in_step >= 4"]}, False),
        ({"any": ["risk >= high", "turns_in_step >= 3"]}, True),
        ({"not": "risk >= high"}, True),
        ({"not": ["risk >= high", "suds > 90"]}, True),
        ({"var": "suds", "op": "<=", "ref": "suds_peak", "offset": -18}, True),
        ({"var": "risk", "op": ">=", "value": "moderate"}, False),
    ],
)
def test_evaluates_against_engine_variables(condition, expected):
    assert evaluate(condition, ENGINE_VALUES) is expected


@pytest.mark.parametrize("level", RISK_LEVELS)
def test_risk_comparisons_use_the_ordered_scale(level: str):
    at_or_above_high = RISK_LEVELS.index(level) >= RISK_LEVELS.index("high")
    assert evaluate("risk >= high", {"risk": level}) is at_or_above_high
    assert RISK_LEVELS == ("none", "low", "moderate", "high", "imminent")


@settings(max_examples=50, deadline=None)
@given(
    suds=st.integers(0, 100),
    peak=st.integers(0, 100),
    drop=st.integers(0, 50),
    left=st.sampled_from(RISK_LEVELS),
    right=st.sampled_from(RISK_LEVELS),
)
def test_comparisons_agree_with_arithmetic(suds: int, peak: int, drop: int, left: str, right: str):
    values = {"suds": suds, "suds_peak": peak, "risk": left}
    assert evaluate(f"suds <= suds_peak - {drop}", values) is (suds <= peak - drop)
    for op, python in (
        ("<", "__lt__"),
        ("<=", "__le__"),
        (">", "__gt__"),
        (">=", "__ge__"),
        ("==", "__eq__"),
    ):
        expected = getattr(RISK_LEVELS.index(left), python)(RISK_LEVELS.index(right))
        assert evaluate(f"risk {op} {right}", values) is expected


def test_missing_values_are_unknown_and_never_fire():
    assert truth(parse_condition("belief < 30"), {}) is None
    assert evaluate("belief < 30", {}) is False
    assert evaluate({"not": "belief < 30"}, {}) is False  # not(unknown) stays unknown
    assert evaluate({"any": ["belief < 30", "step_done"]}, {"step_done": True}) is True
    assert (
        truth(parse_condition({"all": ["belief < 30", "step_done"]}), {"step_done": False}) is False
    )
    assert evaluate("suds <= suds_peak - 20", {"suds": 10, "suds_peak": None}) is False


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"risk": "severe"}, "should be one of none, low"),
        ({"suds": "high"}, "should be a number"),
        ({"suds": True}, "should be a number"),
        ({"suds": 250}, "from 0 to 100"),
        ({"step_done": 1}, "should be true or false"),
        ({"engagement": 180}, "from 0 to 100"),
    ],
)
def test_wrong_runtime_values_are_caller_bugs(values, message):
    name = next(iter(values))
    condition = {
        "risk": "risk >= high",
        "suds": "suds > 3",
        "step_done": "step_done",
        "engagement": "engagement > 0.5",
    }[name]
    with pytest.raises(ValueError, match=message):
        evaluate(condition, values)


def test_risk_levels_are_read_case_insensitively_at_runtime():
    assert evaluate("risk >= high", {"risk": "Imminent"}) is True


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("sudz < 3", "unknown variable 'sudz' (did you mean 'suds'?)"),
        ("suds => 3", "unknown operator '=>'"),
        ("suds gte 3", "unknown operator 'gte'"),
        ("suds <", "nothing to compare with"),
        ("risk >= severe", "'risk' is a level (none, low, moderate, high, imminent), not 'severe'"),
        ("risk >= High", "did you mean 'high'?"),
        ("suds > 150", "150 is out of range"),
        ("suds > high", "unknown variable 'high'"),
        ("step_done > 1", "compare it with == or != only"),
        ("step_done == 3", "'step_done' is true or false, not 3"),
        ("suds", "only for true/false variables"),
        ("risk >= suds", "cannot compare 'risk' (level) with 'suds' (number)"),
        ("risk >= high + 1", "only applies to numbers"),
        ("__import__('os').system('x')", "unknown operator"),
        (3, "not the number 3"),
        (True, "not true"),
        ([], "not a list"),
        ({}, "empty condition"),
        ({"all": []}, "`all` takes a non-empty list"),
        ({"all": "step_done"}, "`all` takes a non-empty list"),
        ({"all": ["step_done"], "any": ["step_done"]}, "exactly one of all / any / not"),
        ({"suds": {"lte": 3}}, "unknown key 'suds' in a condition"),
        ({"var": "suds", "value": 3}, "needs `op`"),
        ({"var": "suds", "op": "<="}, "exactly one of `value` or `ref`"),
        ({"var": "suds", "op": "<=", "value": 3, "offset": 1}, "`offset` only goes with `ref`"),
        ({"var": "suds", "op": "~", "value": 3}, "unknown operator '~'"),
        ({"var": "suds", "op": "<=", "ref": "suds_peak", "offset": "ten"}, "`offset` is a number"),
    ],
)
def test_bad_conditions_are_load_errors(raw, message):
    condition, issues = compile_condition(raw)
    assert condition is None
    assert any(message in issue.message for issue in issues), [i.message for i in issues]
    with pytest.raises(ProtocolError):
        evaluate(raw, ENGINE_VALUES)


def test_errors_point_inside_nested_conditions():
    _, issues = compile_condition(
        {"any": ["step_done", {"all": ["suds < 3", "bogus > 1"]}]}, ("when",)
    )
    assert [issue.path for issue in issues] == [("when", "any", 1, "all", 1)]


def test_allowed_variables_restrict_what_a_protocol_may_read():
    _, issues = compile_condition("belief < 30", allowed={"suds"})
    assert "not listed in the protocol's `variables`" in issues[0].message


def test_describe_and_variables_read():
    condition = parse_condition(
        {"any": [{"all": ["turns_in_step >= 6", "suds <= suds_peak - 20"]}, "not step_done"]}
    )
    assert describe(condition) == "(turns_in_step >= 6 and suds <= suds_peak - 20) or not step_done"
    assert variables_read(condition) == {"turns_in_step", "suds", "suds_peak", "step_done"}
    assert describe(None) == "always"
