"""One entry point that runs a new session, resumes one or forks one (no judging: that is
`simulator.usecases.run_and_judge`, above this package and `simulator.judges`)."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from simulator.events import Subscriber
from simulator.session import forking, runner
from simulator.session.config import SessionConfig
from simulator.session.forking import Fork
from simulator.store.checkpoints import checkpoints_path_for, open_checkpoints


async def conduct_session(
    db: sqlite_utils.Database,
    db_path: Path,
    *,
    config: SessionConfig | None = None,
    session_id: str | None = None,
    fork: Fork | None = None,
    subscribers: tuple[Subscriber, ...] | list[Subscriber] = (),
    run_id: str | None = None,
) -> dict:
    """Run a new session (config), resume one (session_id) or fork one (fork).

    Only a new session reads its protocol file; a resume and a fork run on the protocol
    stored with the session (a fork with `fork.protocol` stores and runs on that one).
    Returns the session row as stored at the end."""
    async with open_checkpoints(checkpoints_path_for(db_path)) as checkpoints:
        start_values, notes = None, []
        if fork is not None:
            parent = fork.parent
            start_values = await forking.fork_state(db, parent["id"], fork.at_turn, checkpoints)
            protocol, notes = forking.fork_protocol(db, fork, start_values)
            session_id = runner.create_session(
                db,
                forking.fork_config(fork),
                run_id=parent["run_id"],
                parent_id=parent["id"],
                fork_turn=fork.at_turn,
                severity=parent["severity"],
                protocol=protocol,
            )
            forking.copy_history(db, parent["id"], session_id, fork.at_turn)
        elif config is not None:
            session_id = runner.create_session(db, config, run_id=run_id)
        if session_id is None:
            raise ValueError("conduct_session needs a config, a session_id or a fork")
        return await runner.run_session(
            db,
            session_id,
            checkpoints,
            subscribers=subscribers,
            resume=fork is None and config is None,
            start_values=start_values,
            notes=notes,
        )
