"""Agreement over sessions: Krippendorff's alpha (interval) and pairwise bias on a known table."""

from __future__ import annotations

import json

import pytest

from simulator.judges import panel_agreement
from simulator.store import create_session


def put(db, session_id, judge_index, score, status="ok"):
    scores = {"m": {"score": score, "evidence": [], "rationale": ""}} if status == "ok" else {}
    db["judgments"].insert(
        {
            "session_id": session_id,
            "judge_model": "judge",
            "judge_index": judge_index,
            "rubric_hash": "h",
            "status": status,
            "scores_json": json.dumps(scores),
            "failure_modes_json": "{}",
        }
    )


def test_alpha_and_bias_on_a_hand_computed_table(db):
    # Judge 0 scores 0.1, 0.2, 0.3 and judge 1 scores 0.1, 0.2, 0.4. By hand (interval):
    # D_o = 2*0.01/6, D_e = 82*0.01/30, so alpha = 1 - D_o/D_e = 36/41.
    ids = [create_session(db, {}) for _ in range(3)]
    for session_id, (a, b) in zip(ids, [(0.1, 0.1), (0.2, 0.2), (0.3, 0.4)], strict=True):
        put(db, session_id, 0, a)
        put(db, session_id, 1, b)
    (metric,) = panel_agreement(db, ids, "h")["metrics"]
    assert metric["metric"] == "m" and metric["alpha"] == pytest.approx(36 / 41)
    (pair,) = metric["pairwise"]
    assert (pair["judge_a"], pair["judge_b"]) == ("judge#0", "judge#1")
    assert pair["mean_difference"] == pytest.approx(-0.1 / 3)


def test_unscorable_judgments_are_counted_and_left_out(db):
    ids = [create_session(db, {}) for _ in range(3)]
    for session_id, score in zip(ids, [0.2, 0.5, 0.9], strict=True):
        put(db, session_id, 0, score)
        put(db, session_id, 1, score)
    put(db, ids[0], 2, None, status="unscorable")
    (metric,) = panel_agreement(db, ids, "h")["metrics"]
    assert metric["alpha"] == pytest.approx(1.0)
    assert metric["unscorable"] == 1
