"""Resume after the process is killed, and fork a session at a turn."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from helpers import run

from simulator.store import open_db, records
from simulator.testing import FixedLatency, LoopbackConfig, LoopbackServer
from simulator.usecases.run_and_judge import Fork, drive_session

pytestmark = pytest.mark.asyncio
CLI = [sys.executable, "-m", "simulator.cli.main"]


def _turn_indices(db_path) -> list[int]:
    with sqlite3.connect(db_path) as conn:
        return [row[0] for row in conn.execute("select idx from turns order by idx")]


def _slow_session(db_path, server, env) -> subprocess.Popen:
    """A 10-exchange CLI session against a 0.15 s server, returned once 6 turns are stored."""
    args = [
        "run", "--protocol", "pe", "--persona", "sample",
        "--therapist", "openai/slow-therapist", "--api-base", server.base_url,
        "--patient", "scripted/patient", "--tracker", "scripted/tracker",
        "--max-turns", "10", "--no-judge", "--db", str(db_path), "--json",
    ]  # fmt: skip
    proc = subprocess.Popen(CLI + args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if db_path.exists() and len(_safe_indices(db_path)) >= 6:
            break
        time.sleep(0.05)
    return proc


def _resume_to_the_end(db_path, env) -> None:
    (session_id,) = [row[0] for row in sqlite3.connect(db_path).execute("select id from sessions")]
    done = subprocess.run(
        CLI + ["resume", session_id, "--no-judge", "--db", str(db_path), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert _turn_indices(db_path) == list(range(20)), "each turn index exactly once, none missing"
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        status, reason = conn.execute("select status, end_reason from sessions").fetchone()
    assert (status, reason) == ("done", "max_turns")


async def test_resume_after_sigkill_stores_every_turn_exactly_once(tmp_path):
    db_path = tmp_path / "p.db"
    env = {**os.environ, "OPENAI_API_KEY": "sk-test-not-real"}
    with LoopbackServer(LoopbackConfig(seed=1, latency=FixedLatency(seconds=0.15))) as server:
        proc = _slow_session(db_path, server, env)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed_at = len(_turn_indices(db_path))
        assert 6 <= killed_at < 20, f"killed mid-session ({killed_at} turns stored)"
        _resume_to_the_end(db_path, env)


async def test_sigterm_stops_the_session_resumably_with_exit_143(tmp_path):
    db_path = tmp_path / "p.db"
    env = {**os.environ, "OPENAI_API_KEY": "sk-test-not-real"}
    with LoopbackServer(LoopbackConfig(seed=1, latency=FixedLatency(seconds=0.15))) as server:
        proc = _slow_session(db_path, server, env)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
        assert proc.returncode == 143, stderr.decode()[-2000:]
        assert b"Traceback" not in stderr
        with sqlite3.connect(db_path) as conn:
            status, reason = conn.execute("select status, end_reason from sessions").fetchone()
        assert (status, reason) == ("stopped", "stopped")
        assert 6 <= len(_turn_indices(db_path)) < 20
        _resume_to_the_end(db_path, env)


def _safe_indices(db_path) -> list[int]:
    try:
        return _turn_indices(db_path)
    except sqlite3.OperationalError:  # the schema is being created
        return []


async def test_fork_shares_turns_before_k_and_differs_after(tmp_path):
    db_path = tmp_path / "p.db"
    parent = await run(db_path, max_turns=6)
    db = open_db(db_path)
    row = records.session_row(db, parent["session_id"])
    child_id = await drive_session(
        db, db_path, fork=Fork(row, 4, therapist="scripted/overcautious")
    )
    child = records.session_row(db, child_id)
    child_turns = records.session_turns(db, child_id)
    assert child["parent_id"] == parent["session_id"] and child["fork_turn"] == 4
    assert child["therapist_model"] == "scripted/overcautious"
    assert [t["text"] for t in child_turns[:4]] == [t["text"] for t in parent["turns"][:4]]
    assert child_turns[4]["text"] != parent["turns"][4]["text"]
    assert [t["index"] for t in child_turns] == list(range(12))


async def test_fork_rejects_a_patient_turn(tmp_path):
    from simulator.session.errors import SessionInputError

    db_path = tmp_path / "p.db"
    parent = await run(db_path, max_turns=3)
    db = open_db(db_path)
    with pytest.raises(SessionInputError, match="even index"):
        await drive_session(
            db, db_path, fork=Fork(records.session_row(db, parent["session_id"]), 3)
        )
