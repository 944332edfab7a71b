"""One real session on the embedded model, end to end, through the CLI a user runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.embedded
pytest.importorskip("llama_cpp", reason="the embedded model needs the `local` extra")


def test_embedded_session_end_to_end(tmp_path):
    db = tmp_path / "p.db"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator.cli.main",
            "run",
            "--protocol",
            "pe",
            "--persona",
            "sample",
            "--max-turns",
            "2",
            "--seed",
            "3",
            "--no-judge",
            "--db",
            str(db),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout)
    assert out["status"] == "done" and out["end_reason"] in ("max_turns", "terminal_step")
    assert [t["speaker"] for t in out["turns"]] == ["therapist", "patient", "therapist", "patient"]
    assert all(t["text"].strip() for t in out["turns"])
    assert all(0 <= s["suds"] <= 100 for s in out["states"])
    assert out["usage"]["calls"] >= 8 and out["usage"]["completion_tokens"] > 0
    check = out["simulator_check"]
    assert check["checked"] and check["valid"] == (check["problems"] == [])
