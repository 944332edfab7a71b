"""Memory: peak RSS of one process running a sweep of 2,000 sessions on instant models.

The sweep runs in a child process (so the figure is that sweep's alone, imports included):
scripted therapist, patient, tracker and a panel of 3 scripted judges, 8 exchanges per
session (the spec's default), concurrency 16. The child samples its RSS (/proc/self/statm)
as sessions finish, so growth per session (a leak) shows apart from the fixed cost.
Target: peak <= 400 MB.
Run: .venv/bin/python bench/memory.py [--sessions 2000] [--turns 8] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import report, run_sweep_from, scripted_sweep_spec

TARGET_MB = 400
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def worker(sessions: int, turns: int, concurrency: int) -> dict:
    import simulator.judges  # noqa: F401 - loaded before the baseline, like the sweep CLI does
    import simulator.session.runner  # noqa: F401
    from simulator.models._litellm import litellm

    litellm()
    imported = rss_mb()
    samples: list[tuple[int, float]] = []

    with tempfile.TemporaryDirectory() as tmp:
        spec = scripted_sweep_spec(sessions, turns, concurrency)
        task = None

        async def sample(db_path: Path) -> None:
            import sqlite3

            conn = sqlite3.connect(db_path, timeout=30)
            try:
                while True:
                    await asyncio.sleep(1.0)
                    done = conn.execute(
                        "select count(*) from sessions where status = 'done'"
                    ).fetchone()[0]
                    samples.append((done, round(rss_mb(), 1)))
            finally:
                conn.close()

        loop = asyncio.get_running_loop()
        db_path = Path(tmp) / "run" / "bench.db"

        def start_sampler() -> None:
            nonlocal task
            task = loop.create_task(sample(db_path))

        loop.call_later(0.5, start_sampler)
        result = await run_sweep_from(spec, Path(tmp) / "run")
        if task is not None:
            task.cancel()
        result["db"].conn.close()
        size_mb = sum(p.stat().st_size for p in db_path.parent.iterdir()) / 2**20
        outcome = result["outcome"]
        return {
            "sessions": sessions,
            "sessions_done": outcome.counts["done"],
            "sessions_failed": outcome.counts["failed"],
            "turns_per_session": turns,
            "concurrency": concurrency,
            "judges": 3,
            "wall_s": round(result["wall_s"], 1),
            "rss_after_imports_mb": round(imported, 1),
            "rss_at_end_mb": round(rss_mb(), 1),
            "peak_rss_mb": round(peak_mb(), 1),
            "db_and_checkpoints_mb": round(size_mb, 1),
            "rss_samples_done_mb": _thin(samples, 12),
        }


def _thin(samples: list, keep: int) -> dict[str, float]:
    """About `keep` (sessions done -> RSS MB) points, the last one included."""
    if len(samples) > keep:
        step = len(samples) / keep
        samples = [samples[int(i * step)] for i in range(keep)] + [samples[-1]]
    return {str(done): mb for done, mb in samples}


def main(sessions: int, turns: int, concurrency: int) -> dict:
    child = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            f"--sessions={sessions}",
            f"--turns={turns}",
            f"--concurrency={concurrency}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        raise SystemExit(f"memory worker failed:\n{child.stderr[-3000:]}")
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    figures["target_mb"] = TARGET_MB
    figures["within_target"] = figures["peak_rss_mb"] <= TARGET_MB
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--turns", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(asyncio.run(worker(args.sessions, args.turns, args.concurrency))))
    else:
        report("memory", main(args.sessions, args.turns, args.concurrency))
