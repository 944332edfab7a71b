"""API keys in the environment reach the model server and nowhere else: not the runs DB, its
WAL, the checkpoints, the response cache, the report files or anything printed.

The sweep reads keys both ways a user gives them (`api_key_env` naming a variable, and the
provider's own OPENAI_API_KEY), and the server fails some requests so that error texts are
stored too.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from reliability_helpers import CLI, remote, write_spec

from simulator.testing import FaultShares, LoopbackServer

SECRETS = {
    "OPENAI_API_KEY": "sk-test-OPENAI-7d3f9a1c5e",
    "ANTHROPIC_API_KEY": "sk-ant-test-ANTHROPIC-2b8e6c4a",
    "THERAPIST_KEY": "sk-test-THERAPIST-9c1e5f3b7d",
    "JUDGE_KEY": "sk-test-JUDGE-4a6c8e0b2d",
}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300, env=env)


def test_keys_never_reach_db_checkpoints_cache_reports_or_output(tmp_path):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), **SECRETS}
    runs = tmp_path / "runs"
    faults = FaultShares(rate_limit=0.2, server_error=0.1)
    with LoopbackServer(seed=12, faults=faults, retry_after_seconds=0) as server:
        url = server.base_url
        spec = write_spec(
            tmp_path,
            {
                "name": "secrets",
                "seed": 2,
                "personas": {"sample": {"n": 2, "seed": 4, "modality": "cbt"}},
                "protocols": ["cbt"],
                "therapists": [
                    {"label": "remote", **remote("openai/therapist", url, "THERAPIST_KEY")}
                ],
                "patient": remote("openai/patient", url),  # the key comes from OPENAI_API_KEY
                "tracker": "scripted/tracker",
                "judges": [remote("openai/judge", url, "JUDGE_KEY"), "scripted/judge"],
                "max_turns": 2,
                "concurrency": 2,
                "cache": True,
            },
        )
        db = runs / "p.db"
        swept = _run(["sweep", str(spec), "--db", str(db), "--quiet", "--json"], env)
        assert swept.returncode in (0, 1), swept.stderr[-2000:]  # 1: a session failed for good
        assert server.stats().outcomes["429"] > 0, "errors were served, and stored"
    run_id = json.loads(swept.stdout)["run_id"]
    # files and the JSON document at once
    reported = _run(
        ["report", run_id, "--db", str(db), "--out", str(runs / "report"), "--json"], env
    )
    assert reported.returncode == 0, reported.stderr[-2000:]
    assert json.loads(reported.stdout)

    printed = [swept.stdout, swept.stderr, reported.stdout, reported.stderr]
    files = [path for path in runs.rglob("*") if path.is_file()]
    names = {path.name for path in files}
    assert {"p.db", "checkpoints.db", "report.md", "report.html"} <= names, names
    assert _count(db, "select count(*) from response_cache") > 0, "the response cache was written"
    assert _count(db, "select count(*) from model_calls where ok = 0") > 0, "errors were stored"
    for name, secret in SECRETS.items():
        for text in printed:
            assert secret not in text, f"{name} was printed"
        for path in files:
            assert secret.encode() not in path.read_bytes(), f"{name} leaked into {path}"


def _count(db: Path, sql: str) -> int:
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql).fetchone()[0]
