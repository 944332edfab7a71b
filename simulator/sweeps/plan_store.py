"""A sweep's planned grid, stored when it starts (`simulator.store.sweep_plan` holds the SQL)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict

import sqlite_utils

from simulator.store import sweep_plan
from simulator.sweeps.grid import PlannedSession


def store_plan(db: sqlite_utils.Database, run_id: str, planned: Iterable[PlannedSession]) -> int:
    """Insert every planned session (session_id null); returns how many."""
    return sweep_plan.add_plan_rows(db, run_id, (asdict(item) for item in planned))


def adopt_orphans(db: sqlite_utils.Database, run_id: str) -> int:
    """Link sessions created just before a kill whose plan row was never updated.

    A session row is written, then its plan row linked: a SIGKILL between the two leaves a
    session of this run that no plan row names. Match it back by its stored config.
    """
    adopted = 0
    for session_id, config_json in sweep_plan.unplanned_sessions(db, run_id):
        idx = sweep_plan.first_free_plan_index(db, run_id, config_json)
        if idx is not None:
            sweep_plan.link_plan_session(db, run_id, idx, session_id)
            adopted += 1
    return adopted
