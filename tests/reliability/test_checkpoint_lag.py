"""A session killed while a model call blocks: its checkpoint is level with its stored turns,
so resume redoes no stored turn and keeps every one as it was.

The therapist's third call blocks the event loop (as a slow in-process model or a hung C
call can); with checkpoints written asynchronously, the checkpoint of the step before it
would still be pending and the stored turns would be a step ahead of it.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import sqlite3
import sys
import time
from pathlib import Path

BLOCK_AT = 4  # the transcript index of the therapist turn whose call blocks
HERE = Path(__file__).resolve().parents[1] / "simulator" / "session"


def _session_child(db_path: Path) -> None:
    sys.path.insert(0, str(HERE))
    from helpers import run

    from simulator.models.scripted import behaviours

    def slow_at_third_turn(request):
        if len([m for m in request.messages if m.get("role") == "assistant"]) >= BLOCK_AT // 2:
            time.sleep(120)  # blocks the loop, as a hung call would
        return behaviours.adherent(request)

    behaviours.BEHAVIOURS["slow_third"] = slow_at_third_turn
    asyncio.run(run(db_path, therapist="scripted/slow_third", max_turns=6))


def _turns(db_path: Path) -> list[tuple[int, str]]:
    try:
        with sqlite3.connect(db_path) as conn:
            return conn.execute("select idx, text from turns order by idx").fetchall()
    except sqlite3.OperationalError:
        return []


async def _checkpoint_transcript(db_path: Path, session_id: str) -> list[dict]:
    from simulator.session.graph import session_graph
    from simulator.session.runner import graph_config_for
    from simulator.store.checkpoints import checkpoints_path_for, open_checkpoints

    async with open_checkpoints(checkpoints_path_for(db_path)) as saver:
        graph = session_graph(saver)
        state = await graph.aget_state(graph_config_for(session_id, 6))
    return list((state.values or {}).get("transcript", []))


def test_a_kill_during_a_blocked_call_leaves_the_checkpoint_level_with_the_turns(tmp_path):
    import simulator.session.runner  # noqa: F401 - warm: the child starts at once

    db_path = tmp_path / "p.db"
    child = multiprocessing.get_context("fork").Process(target=_session_child, args=(db_path,))
    child.start()
    deadline = time.monotonic() + 60
    while len(_turns(db_path)) < BLOCK_AT and child.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(1.0)  # the blocked call has started; any pending write had time to land
    assert child.is_alive(), "the session ended before its blocked call"
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    stored = _turns(db_path)
    assert [index for index, _ in stored] == list(range(BLOCK_AT))
    with sqlite3.connect(db_path) as conn:
        (session_id,) = conn.execute("select id from sessions").fetchone()
    transcript = asyncio.run(_checkpoint_transcript(db_path, session_id))
    assert [(t["index"], t["text"]) for t in transcript] == stored
