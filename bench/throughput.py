"""Peak sessions per hour with instant models: the orchestrator's own ceiling on this machine.

Sweeps on scripted therapist, patient, tracker and a panel of 3 scripted judges (8 exchanges
per session, the spec's default) at several concurrency levels; every model answers
instantly, so the time is all patientsim's own: graph, prompts, DB writes, checkpoints,
judging and detectors. Peak = the best level.
Run: .venv/bin/python bench/throughput.py [--sessions 200] [--turns 8] [--levels 1,4,16,64]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

from _common import report, run_sweep_from, scripted_sweep_spec


async def main(sessions: int, turns: int, levels: list[int]) -> dict:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        warm = await run_sweep_from(scripted_sweep_spec(8, 1, 2), Path(tmp) / "warm")
        warm["db"].conn.close()
        for level in levels:
            load = os.getloadavg()[0]
            cpu = time.process_time()
            result = await run_sweep_from(
                scripted_sweep_spec(sessions, turns, level), Path(tmp) / f"c{level}"
            )
            cpu = time.process_time() - cpu
            done = result["outcome"].counts["done"]
            turns_stored = result["db"].execute("select count(*) from turns").fetchone()[0]
            result["db"].conn.close()
            rows.append(
                {
                    "concurrency": level,
                    "sessions_done": done,
                    "turns_stored": turns_stored,
                    "wall_s": round(result["wall_s"], 2),
                    "sessions_per_hour": round(done / result["wall_s"] * 3600),
                    "cpu_s_per_session": round(cpu / max(done, 1), 3),
                    "loadavg_1m_before": round(load, 2),
                }
            )
            print(rows[-1], flush=True)
    best = max(rows, key=lambda r: r["sessions_per_hour"])
    return {
        "sessions_per_level": sessions,
        "turns_per_session": turns,
        "models": "scripted therapist/patient/tracker, 3 scripted judges",
        "levels": rows,
        "peak_sessions_per_hour": best["sessions_per_hour"],
        "peak_at_concurrency": best["concurrency"],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--turns", type=int, default=8)
    parser.add_argument("--levels", default="1,4,16,64")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    report("throughput", asyncio.run(main(args.sessions, args.turns, levels)))
