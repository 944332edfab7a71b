"""One entry point that runs, resumes or forks a session and judges it afterwards (CLI and TUI share it)."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from simulator.session import runner


async def drive_session(
    db: sqlite_utils.Database,
    db_path: Path,
    *,
    config=None,
    session_id: str | None = None,
    fork_of: tuple | None = None,
    subscribers=(),
    judges=None,
    run_id: str | None = None,
) -> str:
    """Run a new session (config), resume one (session_id) or fork one (parent row, turn, therapist, mode)."""
    async with runner.open_checkpoints(runner.checkpoints_path_for(db_path)) as checkpoints:
        start_values = None
        if fork_of is not None:
            parent, at_turn, therapist, mode = fork_of
            start_values = await runner.fork_state(db, parent["id"], at_turn, checkpoints)
            config = runner.fork_config(parent, therapist=therapist, mode=mode)
            session_id = runner.create_session(
                db,
                config,
                run_id=parent["run_id"],
                parent_id=parent["id"],
                fork_turn=at_turn,
                severity=parent["severity"],
            )
            runner.copy_history(db, parent["id"], session_id, at_turn)
        elif config is not None:
            session_id = runner.create_session(db, config, run_id=run_id)
        row = await runner.run_session(
            db,
            session_id,
            checkpoints,
            subscribers=subscribers,
            resume=fork_of is None and config is None,
            start_values=start_values,
        )
    if judges and row["status"] == "done":
        await judge_if_available(db, session_id, judges, subscribers)
    return session_id


async def judge_if_available(db, session_id: str, judges, subscribers=()) -> None:
    try:
        from simulator.judges import judge_session
    except ImportError:
        return
    await judge_session(db, session_id, judges, subscribers=subscribers)
