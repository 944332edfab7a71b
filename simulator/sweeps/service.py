"""Start a sweep: store the run and its whole planned grid, then hand over to the executor."""

from __future__ import annotations

import sqlite_utils

from simulator.store.statuses import RunStatus
from simulator.sweeps.grid import expand
from simulator.sweeps.loading import LoadedSpec
from simulator.sweeps.plan_store import store_plan


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
            "detectors": True,  # every done session gets the detectors, judged or not
        },
    )
    records.set_run_status(db, run_id, RunStatus.PLANNING)
    total = store_plan(db, run_id, expand(loaded))
    # the grid size, for readers that do not count the plan
    records.update_run_spec(db, run_id, total_sessions=total)
    records.set_run_status(db, run_id, RunStatus.RUNNING)
    return run_id
