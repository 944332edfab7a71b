"""The UI's pure parts: reading judgments, batching deltas, sweep pace, filtering, the start form."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.events import StateUpdated, TurnCompleted, TurnDelta
from simulator.store.session_record import JudgmentRecord
from simulator.store.statuses import JudgmentStatus
from tui.judging import (
    citations,
    latest_panel,
    parse_failure_modes,
    parse_scores,
    session_score,
    summaries_from_scores,
    summarize,
)
from tui.live_feed import EventBuffer
from tui.rows import SessionListing, SweepSession
from tui.screens.runs import ALL_RUNS, NO_RUN, filtered_sorted
from tui.session_start import RequestProblems, SessionRequest, prepare
from tui.sweep_numbers import ALL_METRICS, duration_text, pace, planned_total, score_table


def _row(judge_index, scores, *, rubric="r1", status="ok", row_id=None, modes=None):
    return JudgmentRecord(
        id=row_id if row_id is not None else judge_index + 1,
        session_id="s",
        judge_model="scripted/judge",
        judge_index=judge_index,
        rubric_hash=rubric,
        status=JudgmentStatus(status),
        reason=None,
        scores=scores,
        failure_modes=modes or {},
        created_at="2026-01-01T00:00:00.000+00:00",
    )


# ---------------------------------------------------------------------- judgments


def test_scores_read_in_the_panels_format_and_plain_numbers():
    stored = {
        "acknowledgment": {"score": 0.75, "evidence": [2, 4, 2], "rationale": "names feelings"},
        "hallucination": 1,
        "framing": {"score": None},
        "odd": {"score": "x", "evidence": [{"turn": 3}, "5", True]},
    }
    parsed = parse_scores(json.dumps(stored))
    assert parsed["acknowledgment"].score == 0.75
    assert parsed["acknowledgment"].evidence == (2, 4)
    assert parsed["acknowledgment"].rationale == "names feelings"
    assert parsed["hallucination"].score == 1.0
    assert parsed["framing"].score is None
    assert parsed["odd"].score is None and parsed["odd"].evidence == (3, 5)
    assert parse_scores("not json") == {}
    as_list = parse_scores([{"metric": "framing", "score": 0.5}])
    assert as_list["framing"].score == 0.5


def test_failure_modes_map_labels_to_turns():
    assert parse_failure_modes('{"false_reassurance": [6, 2]}') == {"false_reassurance": (2, 6)}
    assert parse_failure_modes([{"label": "task_abandonment", "turns": [8]}]) == {
        "task_abandonment": (8,)
    }


def test_latest_panel_keeps_the_newest_rubric_and_newest_row_per_judge():
    rows = [
        _row(0, {"a": 0.1}, rubric="old", row_id=1),
        _row(0, {"a": 0.2}, rubric="new", row_id=2),
        _row(1, {"a": 0.4}, rubric="new", row_id=3),
        _row(1, {"a": 0.6}, rubric="new", row_id=4),
    ]
    panel = latest_panel(rows)
    assert [(j.index, j.metrics["a"].score) for j in panel] == [(0, 0.2), (1, 0.6)]


def test_summary_flags_disagreement_over_half_a_point_and_skips_unscorable_judges():
    panel = latest_panel(
        [
            _row(0, {"a": 0.2, "b": 0.5}),
            _row(1, {"a": 0.9, "b": 0.6}),
            _row(2, {"a": 0.0, "b": 0.0}, status="unscorable"),
        ]
    )
    summary = {s.metric: s for s in summarize(panel)}
    assert summary["a"].needs_review and summary["a"].spread == pytest.approx(0.7)
    assert not summary["b"].needs_review and summary["b"].median == pytest.approx(0.55)
    assert summary["a"].judges == 2
    assert session_score(summary.values()) == pytest.approx((0.55 + 0.55) / 2)


def test_package_aggregates_are_read_with_numeric_or_pair_ranges():
    read = summaries_from_scores(
        {
            "a": {"median": 0.5, "range": 0.6, "n": 3, "needs_review": True},
            "b": {"median": 0.8, "range": [0.7, 0.9], "n": 2, "needs_review": False},
            "c": {"median": None, "range": None, "n": 0, "needs_review": True},
        }
    )
    by_metric = {s.metric: s for s in read}
    assert by_metric["a"].spread == pytest.approx(0.6) and by_metric["a"].needs_review
    assert by_metric["b"].spread == pytest.approx(0.2) and by_metric["b"].judges == 2
    assert by_metric["c"].median is None


def test_citations_name_metric_judge_and_failure_mode_per_turn():
    panel = latest_panel(
        [
            _row(
                0,
                {"no_false_reassurance": {"score": 0.0, "evidence": [6], "rationale": "safe"}},
                modes={"false_reassurance": [6, 8]},
            )
        ]
    )
    cited = citations(panel)
    assert sorted(cited) == [6, 8]
    assert "no_false_reassurance (judge 1): safe" in cited[6]
    assert "failure mode false_reassurance (judge 1)" in cited[8]


# ---------------------------------------------------------------------- live deltas


def test_buffer_joins_consecutive_deltas_of_one_turn_and_keeps_order():
    buffer = EventBuffer()
    for piece in ("Hel", "lo ", "there"):
        buffer(TurnDelta("s", 0, "therapist", piece))
    buffer(TurnCompleted("s", 0, "therapist", "Hello there", "check_in", "orientation"))
    buffer(TurnDelta("s", 1, "patient", "Hi"))
    buffer(TurnDelta("s", 2, "therapist", "So"))
    buffer(StateUpdated("s", 1, 50, None, "none", 0.5, False))
    batch = buffer.drain()
    assert [type(e).__name__ for e in batch] == [
        "TurnDelta",
        "TurnCompleted",
        "TurnDelta",
        "TurnDelta",
        "StateUpdated",
    ]
    assert batch[0].text == "Hello there"
    assert len(buffer) == 0 and buffer.drain() == []


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(0, 3), st.text(max_size=5)), max_size=30))
def test_buffer_never_loses_or_reorders_text(pieces):
    buffer = EventBuffer()
    for index, text in pieces:
        buffer(TurnDelta("s", index, "therapist", text))
    drained = buffer.drain()
    assert "".join(e.text for e in drained) == "".join(text for _, text in pieces)
    assert all(a.index != b.index for a, b in zip(drained, drained[1:], strict=False))


# ---------------------------------------------------------------------- sweep numbers


def test_pace_and_eta():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    per_minute, eta = pace(10, 30, start, start + timedelta(minutes=5))
    assert per_minute == pytest.approx(2.0) and eta == pytest.approx(15 * 60)
    assert pace(0, 30, start, start + timedelta(minutes=5)) == (None, None)
    assert pace(3, None, start, start + timedelta(minutes=1))[1] is None
    assert [duration_text(s) for s in (None, 42, 135, 7260)] == ["—", "42s", "2m15s", "2h01m"]


def test_planned_total_reads_known_keys_only():
    assert planned_total({"total_sessions": 40}) == 40
    assert planned_total({"n_sessions": 7, "name": "x"}) == 7
    assert planned_total({"total": True}) is None
    assert planned_total(None) is None


def test_score_table_orders_severities_clinically_and_averages_per_cell():
    def session(sid, therapist, severity, **scores):
        return SweepSession(sid, therapist, severity, "p", None, {}, scores)

    sessions = [
        session("1", "b", "imminent", m=0.2, n=0.4),
        session("2", "b", "routine", m=1.0),
        session("3", "a", "imminent", m=0.6, n=None),
        session("4", "a", "imminent", m=0.8),
    ]
    table = score_table(sessions)
    assert table.therapists == ["a", "b"]
    assert table.severities == ["routine", "imminent"]
    assert table.cells[("b", "imminent")] == (pytest.approx(0.3), 1)
    assert table.cells[("a", "imminent")] == (pytest.approx(0.7), 2)
    assert table.cells[("a", "routine")] == (None, 0)
    assert score_table(sessions, "n").cells[("a", "imminent")] == (None, 0)
    assert ALL_METRICS == table.metric


# ---------------------------------------------------------------------- runs filter


def _listing(sid, *, run=None, status="done", therapist="scripted/adherent", score=None):
    return SessionListing(
        sid,
        run,
        "sweep-a" if run else None,
        None,
        status,
        "pe",
        "p-1",
        therapist,
        "routine",
        "max_turns",
        False,
        4,
        0.0,
        f"2026-01-01T00:00:0{sid[-1]}",
        score,
    )


def test_filter_words_must_all_match_and_runs_narrow_the_rows():
    rows = [
        _listing("s1"),
        _listing("s2", run="run_a", therapist="scripted/overcautious", status="failed"),
        _listing("s3", run="run_a", therapist="scripted/overcautious"),
    ]
    ids = lambda chosen: [r.session_id for r in chosen]  # noqa: E731
    assert ids(filtered_sorted(rows, ALL_RUNS, "overcautious failed", "created", True)) == ["s2"]
    assert ids(filtered_sorted(rows, ALL_RUNS, "OVERCAUTIOUS", "created", False)) == ["s2", "s3"]
    assert ids(filtered_sorted(rows, NO_RUN, "", "created", True)) == ["s1"]
    assert ids(filtered_sorted(rows, "run_a", "", "created", True)) == ["s3", "s2"]


def test_sorting_by_score_puts_unjudged_sessions_last_when_descending():
    rows = [_listing("s1", score=0.2), _listing("s2"), _listing("s3", score=0.9)]
    chosen = filtered_sorted(rows, ALL_RUNS, "", "score", True)
    assert [r.session_id for r in chosen] == ["s3", "s1", "s2"]


# ---------------------------------------------------------------------- the form


def test_form_problems_are_listed_not_raised_as_tracebacks(scripted_env):
    with pytest.raises(RequestProblems) as caught:
        prepare(SessionRequest(therapist="", max_turns="0", seed="x"), db=None)
    problems = caught.value.problems
    assert any(p.startswith("max turns: 0 is outside") for p in problems)
    assert any("seed: 'x' is not a whole number" in p for p in problems)
    assert any(p.startswith("therapist model:") for p in problems)


def test_unknown_models_and_protocols_come_back_as_problems(scripted_env):
    base = dict(therapist="scripted/nobody", patient="scripted/patient", tracker="scripted/tracker")
    with pytest.raises(RequestProblems) as caught:
        prepare(SessionRequest(**base), db=None)
    assert any("scripted/nobody" in p for p in caught.value.problems)
    with pytest.raises(RequestProblems) as caught:
        prepare(
            SessionRequest(**{**base, "therapist": "scripted/adherent"}, protocol="nope.yaml"),
            db=None,
        )
    assert any("nope" in p for p in caught.value.problems)
