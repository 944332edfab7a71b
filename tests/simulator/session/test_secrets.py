"""API keys never reach the runs DB, the checkpoints or the printed output."""

from __future__ import annotations

import subprocess
import sys

from simulator.testing import LoopbackConfig, LoopbackServer

SECRET = "sk-test-SECRET-4f9c2a7e1b"


def test_api_key_is_not_stored_anywhere(tmp_path):
    db = tmp_path / "runs" / "p.db"
    env = {"PATH": "/usr/bin:/bin", "OPENAI_API_KEY": SECRET, "HOME": str(tmp_path)}
    with LoopbackServer(LoopbackConfig(seed=2)) as server:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "simulator.cli.main",
                "run",
                "--protocol",
                "cbt",
                "--persona",
                "sample",
                "--therapist",
                "openai/deployed-bot",
                "--api-base",
                server.base_url,
                "--mode",
                "endpoint",
                "--patient",
                "scripted/patient",
                "--tracker",
                "scripted/tracker",
                "--max-turns",
                "3",
                "--no-judge",
                "--db",
                str(db),
            ],
            capture_output=True,
            text=True,
            timeout=180,
            env=env,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    assert SECRET not in done.stdout + done.stderr
    for stored in db.parent.iterdir():
        assert SECRET.encode() not in stored.read_bytes(), f"the key leaked into {stored.name}"
