"""Start a sweep: store the run and its whole planned grid, then hand over to the executor."""

from __future__ import annotations

import json

import sqlite_utils

from simulator.sweeps.grid import expand
from simulator.sweeps.loading import LoadedSpec
from simulator.sweeps.plan_store import store_plan


def detectors_available() -> bool:
    """Whether the judges package (and with it the failure-mode detectors) is installed."""
    import importlib.util

    return importlib.util.find_spec("simulator.judges") is not None


def plan_sweep(db: sqlite_utils.Database, loaded: LoadedSpec) -> str:
    """Create the sweep's run row and store every planned session; returns the run id.

    The run is `planning` until the whole grid is stored, so that a run killed mid-plan is
    never mistaken for a complete one on resume.
    """
    from dataclasses import asdict

    from simulator.store import records

    run_id = records.create_run(
        db,
        name=loaded.spec.name,
        kind="sweep",
        spec={
            "spec": loaded.spec.model_dump(mode="json"),
            "source": str(loaded.path),
            "judges": [asdict(j) for j in loaded.judges],
            "detectors": detectors_available(),
        },
    )
    db["runs"].update(run_id, {"status": "planning"})
    total = store_plan(db, run_id, expand(loaded))
    stored = json.loads(db["runs"].get(run_id)["spec_json"])
    stored["total_sessions"] = total  # the grid size, for readers that do not count the plan
    db["runs"].update(
        run_id, {"status": "running", "spec_json": json.dumps(stored, sort_keys=True)}
    )
    return run_id
