"""A sweep against a model server that fails a third of the time still ends cleanly.

The server answers 20% of requests 429, 5% 500, hangs 5% (the client times out) and sends
5% bodies that are not JSON. Every session must end `done` or `failed` with its error, every
attempt must be a row in model_calls (failed attempts with ok=0), and a judge whose output is
malformed JSON must be stored `unscorable` with its reason, never as a number.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from reliability_helpers import remote, write_spec

from simulator.store import open_db
from simulator.sweeps import execute_sweep, load_spec, plan_sweep
from simulator.testing import FaultShares, LoopbackServer

CLIENT_TIMEOUT_S = 2.0  # a hung request costs this much, then it is retried
SESSIONS = 6
TURNS = 3


@pytest.fixture(scope="module")
def faulty_sweep(tmp_path_factory):
    """One faulty sweep, shared by the tests of this module."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RELIABILITY_KEY", "sk-test-not-real")
        # every remote request attempt is bounded (120 s by default): shorten it for this test
        patch.setenv("PATIENTSIM_REQUEST_TIMEOUT", str(CLIENT_TIMEOUT_S))
        yield from _run(tmp_path_factory.mktemp("faults"))


def _run(tmp_path):
    faults = FaultShares(rate_limit=0.20, server_error=0.05, hang=0.05, malformed=0.05)
    faulty = LoopbackServer(seed=7, faults=faults, retry_after_seconds=0, hang_seconds=30)
    # a judge that only ever answers truncated JSON: the unscorable path, every time
    broken = LoopbackServer(seed=8, faults=FaultShares(malformed_content=1.0))
    with faulty, broken:
        url = faulty.base_url
        spec = write_spec(
            tmp_path,
            {
                "name": "faults",
                "seed": 3,
                "personas": {"sample": {"n": SESSIONS, "seed": 5, "modality": "pe"}},
                "protocols": ["pe"],
                "therapists": [
                    {"label": "remote", **remote("openai/therapist", url, "RELIABILITY_KEY")}
                ],
                "patient": remote("openai/patient", url, "RELIABILITY_KEY"),
                "tracker": remote("openai/tracker", url, "RELIABILITY_KEY"),
                "judges": [
                    remote("openai/judge", url, "RELIABILITY_KEY"),
                    remote("openai/broken-judge", broken.base_url, "RELIABILITY_KEY"),
                ],
                "max_turns": TURNS,
                "concurrency": SESSIONS,
            },
        )
        db_path = tmp_path / "runs" / "p.db"
        db = open_db(db_path)
        run_id = plan_sweep(db, load_spec(spec))
        outcome = asyncio.run(execute_sweep(db, db_path, run_id, show_progress=False))
        yield db, run_id, outcome, faulty.stats(), broken.stats()
    db.conn.close()


def test_every_session_ends_done_or_failed_with_its_reason(faulty_sweep):
    db, run_id, outcome, stats, _ = faulty_sweep
    sessions = list(db.query("select * from sessions where run_id = ?", [run_id]))
    assert len(sessions) == SESSIONS
    assert outcome.counts["done"] + outcome.counts["failed"] == SESSIONS
    assert outcome.status in ("done", "stopped")
    for session in sessions:
        assert session["status"] in ("done", "failed"), session
        if session["status"] == "failed":
            assert session["end_reason"] == "error" and session["error"], session
        else:
            assert session["end_reason"] and not session["error"]
    assert stats.outcomes["429"] and stats.outcomes["hang"], "the faults were really served"


def test_every_attempt_is_a_model_calls_row_and_failed_ones_say_why(faulty_sweep):
    db, run_id, _, stats, _ = faulty_sweep
    calls = list(
        db.query(
            "select c.* from model_calls c join sessions s on s.id = c.session_id "
            "where s.run_id = ? and c.model != 'openai/broken-judge'",
            [run_id],
        )
    )
    failed = [c for c in calls if not c["ok"]]
    transport_faults = sum(stats.outcomes[k] for k in ("429", "500", "hang", "malformed"))
    assert len(calls) == stats.requests, "one row per request the server received"
    # a slow answer on a loaded machine may also time out, so at least one row per fault
    assert len(failed) >= transport_faults > 0
    kinds = {c["error"].split(":", 1)[0] for c in failed}
    assert {"RateLimitError", "Timeout"} <= kinds, kinds
    retried = [c for c in calls if c["attempt"] > 1]
    assert retried, "failed attempts were retried"
    for call in failed:
        assert call["completion_tokens"] == 0 and call["error"]


def test_malformed_judge_output_is_unscorable_never_a_number(faulty_sweep):
    db, run_id, _, _, broken_stats = faulty_sweep
    done = [
        r["id"]
        for r in db.query("select id from sessions where run_id = ? and status = 'done'", [run_id])
    ]
    assert done, "at least one session survived the faults"
    judgments = list(
        db.query(
            "select j.* from judgments j join sessions s on s.id = j.session_id where s.run_id = ?",
            [run_id],
        )
    )
    broken = [j for j in judgments if j["judge_model"] == "openai/broken-judge"]
    assert len(broken) == len(done) and broken_stats.outcomes["malformed_content"] >= 2 * len(done)
    for judgment in broken:
        assert judgment["status"] == "unscorable"
        assert "invalid output" in judgment["reason"]
        assert json.loads(judgment["scores_json"]) == {}, "an unscorable judgment holds no score"
    scored = [j for j in judgments if j["status"] == "ok"]
    assert scored, "the working judge still scores through the faults"
    for judgment in scored:
        values = [m["score"] for m in json.loads(judgment["scores_json"]).values()]
        assert values and all(isinstance(v, int | float) and 0 <= v <= 1 for v in values)
