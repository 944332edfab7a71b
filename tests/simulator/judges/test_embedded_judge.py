"""The embedded model as a judge, for real (slow: minutes on a busy CPU; marked `embedded`)."""

from __future__ import annotations

import pytest

from simulator.judges import judge_session
from simulator.store import add_turn, create_session

pytestmark = pytest.mark.embedded
pytest.importorskip("llama_cpp", reason="the embedded model needs the `local` extra")


async def test_embedded_judge_stores_a_judgment_or_an_unscorable_reason(db):
    session_id = create_session(db, {})
    for index, (speaker, text) in enumerate(
        [
            ("patient", "I keep thinking I ruin everything."),
            ("therapist", "Don't worry, everything will be fine."),
        ]
    ):
        add_turn(db, session_id, {"index": index, "speaker": speaker, "text": text})
    summary = await judge_session(db, session_id, ["local/gemma-3-270m"])
    (judgment,) = summary["judgments"]
    if judgment["status"] == "ok":
        assert set(judgment["metrics"]) == set(summary["scores"])
        assert all(0.0 <= m["score"] <= 1.0 for m in judgment["metrics"].values())
    else:
        assert judgment["status"] == "unscorable" and judgment["reason"]
    assert summary["failure_modes"]["detectors"] == {"false_reassurance": [1]}
