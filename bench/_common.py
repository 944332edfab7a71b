"""Shared bits for the benchmarks: where results go, and printing them."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from pathlib import Path

# BENCH_RESULTS_DIR: somewhere else (run_all.py --smoke writes there, keeping the real figures)
RESULTS = Path(os.environ.get("BENCH_RESULTS_DIR") or Path(__file__).resolve().parent / "results")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        # other work on the machine skews every figure: record how busy it was
        "loadavg_1_5_15m": [round(x, 2) for x in os.getloadavg()],
    }


def median(values) -> float:
    return float(statistics.median(values)) if values else float("nan")


def report(name: str, figures: dict) -> None:
    """Print the figures and write them to bench/results/NAME.json."""
    RESULTS.mkdir(exist_ok=True)
    payload = {"benchmark": name, "machine": machine(), **figures}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")
    print(json.dumps(payload, indent=2))


def scripted_sweep_spec(sessions: int, turns: int, concurrency: int, judges: int = 3) -> dict:
    """A sweep on instant models: scripted therapist, patient, tracker and judges.

    Personas pick their own modality, so both protocols (PE and CBT) run."""
    return {
        "name": "bench-scripted",
        "seed": 1,
        "personas": {"sample": {"n": sessions, "seed": 2}},
        "protocols": ["pe", "cbt"],
        "therapists": [{"label": "adherent", "model": "scripted/adherent"}],
        "patient": "scripted/patient",
        "tracker": "scripted/tracker",
        "judges": ["scripted/judge"] * judges,
        "max_turns": turns,
        "concurrency": concurrency,
    }


async def run_sweep_from(spec: dict, directory: Path, **options) -> dict:
    """Plan `spec` into a fresh DB under `directory`, then time execute_sweep alone."""
    import time

    import yaml

    from simulator.store import open_db
    from simulator.sweeps import execute_sweep, load_spec, plan_sweep

    directory.mkdir(parents=True, exist_ok=True)
    spec_path = directory / "spec.yaml"
    spec_path.write_text(yaml.safe_dump(spec))
    db_path = directory / "bench.db"
    db = open_db(db_path)
    run_id = plan_sweep(db, load_spec(spec_path))
    options.setdefault("show_progress", False)
    started = time.perf_counter()
    outcome = await execute_sweep(db, db_path, run_id, **options)
    return {
        "db": db,
        "db_path": db_path,
        "run_id": run_id,
        "outcome": outcome,
        "wall_s": time.perf_counter() - started,
    }
