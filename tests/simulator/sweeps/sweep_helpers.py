"""Build sweep specs on scripted models and run them in-process for the sweeps tests."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
from typing import Any

import yaml

from simulator.store import open_db
from simulator.sweeps import execute_sweep, load_spec, plan_sweep

SCRIPTED: dict[str, Any] = {
    "name": "scripted",
    "seed": 1,
    "personas": {"sample": {"n": 2, "seed": 3, "modality": "pe"}},
    "protocols": ["pe"],
    "therapists": [{"label": "adherent", "model": "scripted/adherent"}],
    "max_turns": 2,
    "patient": "scripted/patient",
    "tracker": "scripted/tracker",
    "judges": [],
    "concurrency": 2,
}


def spec_data(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(SCRIPTED)
    data.update(changes)
    return data


def write_spec(directory: Path, data: dict[str, Any], name: str = "spec.yaml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def run_sweep(spec_path: Path, db_path: Path, **options: Any):
    """Plan and run a sweep in this process; returns (db, run_id, outcome)."""
    db = open_db(db_path)
    run_id = plan_sweep(db, load_spec(spec_path))
    options.setdefault("show_progress", False)
    outcome = asyncio.run(execute_sweep(db, db_path, run_id, **options))
    return db, run_id, outcome


def turn_indices(db, session_id: str) -> list[int]:
    return [
        row["idx"]
        for row in db.query("select idx from turns where session_id = ? order by idx", [session_id])
    ]
