"""One process executes a run at a time: a second resume of a live run is refused, a dead
holder's lease is taken over, and every planned session runs exactly once."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time

import pytest
from sweep_helpers import spec_data, write_spec

from simulator.store import open_db
from simulator.store.leases import Holder, RunHeld, acquire, release
from simulator.sweeps import load_spec, plan_sweep
from simulator.testing import FixedLatency, LoopbackConfig, LoopbackServer

CLI = [sys.executable, "-m", "simulator.cli.main"]


def test_a_live_holder_keeps_the_lease_a_dead_one_loses_it(tmp_path):
    db = open_db(tmp_path / "p.db")
    me = Holder.this_process()
    acquire(db, "run_x", me)
    acquire(db, "run_x", me)  # the holder itself may take it again
    parent = Holder(os.getppid(), me.host)  # alive, and not us
    with pytest.raises(RunHeld, match=f"pid {me.pid} on {me.host}"):
        acquire(db, "run_x", parent)
    release(db, "run_x", me)
    acquire(db, "run_x", parent)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    acquire(db, "run_y", Holder(dead.pid, me.host))
    acquire(db, "run_y", me)  # the holder's process is gone: taken over at once


def test_two_resumes_at_once_run_every_planned_session_exactly_once(tmp_path):
    env = {**os.environ, "LEASE_KEY": "sk-test-not-real"}
    with LoopbackServer(LoopbackConfig(seed=3, latency=FixedLatency(seconds=0.05))) as server:
        therapist = {
            "label": "remote",
            "model": "openai/gpt-4o-mini",
            "api_base": server.base_url,
            "api_key_env": "LEASE_KEY",
        }
        data = spec_data(therapists=[therapist], max_turns=3, concurrency=2)
        data["personas"] = {"sample": {"n": 6, "seed": 3, "modality": "pe"}}
        db_path = tmp_path / "p.db"
        run_id = plan_sweep(open_db(db_path), load_spec(write_spec(tmp_path, data)))
        resume = [*CLI, "sweep", "--resume", run_id, "--db", str(db_path), "--quiet"]
        first = subprocess.Popen(resume, env=env, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        second = subprocess.run(resume, env=env, capture_output=True, text=True, timeout=120)
        _, first_err = first.communicate(timeout=180)
    assert first.returncode == 0, first_err[-2000:]
    assert second.returncode == 2 and "is being executed by pid" in second.stderr, second.stderr
    assert "Traceback" not in second.stderr
    with sqlite3.connect(db_path) as conn:
        sessions = conn.execute("select count(*) from sessions where run_id = ?", [run_id])
        planned = conn.execute("select count(*) from sweep_plan where run_id = ?", [run_id])
        assert sessions.fetchone()[0] == planned.fetchone()[0] == 6
        assert conn.execute("select count(*) from run_leases").fetchone()[0] == 0
