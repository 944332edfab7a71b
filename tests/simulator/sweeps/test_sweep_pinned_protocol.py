"""`sweep --resume` continues an interrupted session on the protocol it stored, and warns when
the protocol file has changed since."""

from __future__ import annotations

import asyncio
import io
import shutil

import pytest
from sweep_helpers import spec_data, write_spec

from protocols import BUILTIN_DIR
from simulator.events import TurnCompleted
from simulator.session import runner
from simulator.store import open_db, records
from simulator.sweeps import execute_sweep, load_spec, plan_sweep

MARKER = "EDITEDGOAL"
GOAL = "    therapist_goal: >-\n      "


def test_sweep_resume_runs_on_the_stored_protocol_and_warns(tmp_path, monkeypatch):
    protocol = tmp_path / "pe.yaml"
    shutil.copyfile(BUILTIN_DIR / "pe.yaml", protocol)
    data = spec_data(
        personas={"sample": {"n": 1, "seed": 3, "modality": "pe"}},
        protocols=[str(protocol)],
        max_turns=4,
        concurrency=1,
    )
    db_path = tmp_path / "p.db"
    db = open_db(db_path)
    run_id = plan_sweep(db, load_spec(write_spec(tmp_path, data)))

    real = runner.run_session

    async def stopped_at_turn_2(db, session_id, checkpoints, **options):
        task = asyncio.current_task()

        def stop(event) -> None:
            if isinstance(event, TurnCompleted) and event.index + 1 >= 2:
                task.cancel()

        options["subscribers"] = [*options.get("subscribers", ()), stop]
        return await real(db, session_id, checkpoints, **options)

    monkeypatch.setattr(runner, "run_session", stopped_at_turn_2)
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(execute_sweep(db, db_path, run_id, show_progress=False))
    monkeypatch.setattr(runner, "run_session", real)
    (session_id,) = [r[0] for r in db.execute("select id from sessions").fetchall()]
    stored_hash = records.session_row(db, session_id)["protocol_hash"]

    protocol.write_text(
        protocol.read_text(encoding="utf-8").replace(GOAL, f"{GOAL}{MARKER} "), encoding="utf-8"
    )
    warnings = io.StringIO()
    outcome = asyncio.run(execute_sweep(db, db_path, run_id, show_progress=False, stream=warnings))

    assert outcome.status == "done" and outcome.counts["done"] == 1
    assert (
        f"warning: session {session_id}: {protocol} changed since this session started; "
        f"continuing on the stored protocol (hash {stored_hash[:12]})"
    ) in warnings.getvalue().splitlines()
    turns = records.session_turns(db, session_id)
    assert len(turns) == 8 and not any(MARKER in t["text"] for t in turns)
