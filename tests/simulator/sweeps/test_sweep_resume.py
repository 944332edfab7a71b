"""Kill a sweep with SIGKILL mid-run; `--resume` finishes it with every (session, turn) once,
and the result is the same as a sweep that was never interrupted."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time

from sweep_helpers import run_sweep, spec_data, turn_indices, write_spec

from simulator.store import open_db
from simulator.sweeps import execute_sweep, plan_counts
from simulator.testing import FixedLatency, LoopbackConfig, LoopbackServer

CLI = [sys.executable, "-m", "simulator.cli.main"]


def _progress(db_path) -> tuple[int, int]:
    """(done sessions, turns of unfinished sessions) as another process sees them."""
    try:
        with sqlite3.connect(db_path, timeout=5) as conn:
            done = conn.execute("select count(*) from sessions where status = 'done'").fetchone()[0]
            partial = conn.execute(
                "select count(*) from turns t join sessions s on s.id = t.session_id"
                " where s.status = 'running'"
            ).fetchone()[0]
            return done, partial
    except sqlite3.OperationalError:  # the schema is still being created
        return 0, 0


def _transcripts(db, run_id: str) -> dict[int, list[tuple[str, str]]]:
    return {
        row["idx"]: [
            (t["speaker"], t["text"])
            for t in db.query(
                "select speaker, text from turns where session_id = ? order by idx",
                [row["session_id"]],
            )
        ]
        for row in db.query("select idx, session_id from sweep_plan where run_id = ?", [run_id])
    }


def test_resume_after_sigkill_finishes_with_every_turn_exactly_once(tmp_path, monkeypatch):
    monkeypatch.setenv("LOOPBACK_KEY", "sk-test-not-real")
    with LoopbackServer(LoopbackConfig(seed=5, latency=FixedLatency(seconds=0.04))) as server:
        data = spec_data(
            personas={"sample": {"n": 3, "seed": 8, "modality": "pe"}},
            therapists=[
                {
                    "label": "remote",
                    "model": "openai/slow-therapist",
                    "api_base": server.base_url,
                    "api_key_env": "LOOPBACK_KEY",
                }
            ],
            max_turns=4,
            concurrency=2,
        )
        spec = write_spec(tmp_path, data)
        killed_db = tmp_path / "killed" / "p.db"
        proc = subprocess.Popen(
            CLI + ["sweep", str(spec), "--db", str(killed_db), "--quiet"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and proc.poll() is None:
                done, partial = _progress(killed_db)
                if done >= 1 and partial >= 3:  # one session finished, another half way
                    break
                time.sleep(0.02)
            assert proc.poll() is None, proc.stderr.read().decode()
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait()
            proc.stderr.close()

        db = open_db(killed_db)
        (run_id,) = [row["id"] for row in db["runs"].rows]
        before = plan_counts(db, run_id)
        assert before["done"] >= 1 and before["done"] < before["total"] == 3
        assert db["runs"].get(run_id)["status"] == "running"  # killed: nobody finished it

        outcome = asyncio.run(execute_sweep(db, killed_db, run_id, show_progress=False))
        clean_db, clean_run, _ = run_sweep(spec, tmp_path / "clean" / "p.db")

    assert outcome.status == "done" and outcome.counts["done"] == 3
    sessions = list(db.query("select id from sessions where run_id = ?", [run_id]))
    assert len(sessions) == 3, "no planned session was created twice"
    for session in sessions:
        assert turn_indices(db, session["id"]) == list(range(8)), "each turn once, none missing"
    assert _transcripts(db, run_id) == _transcripts(clean_db, clean_run), (
        "the resumed sweep says exactly what an uninterrupted one says"
    )
    with sqlite3.connect(killed_db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
