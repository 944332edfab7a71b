"""The LangGraph checkpoints file beside the runs DB (`checkpoints.db`): where a session's
graph state is saved after every step, so that a stopped session resumes where it was."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path


def checkpoints_path_for(db_path: Path) -> Path:
    return Path(db_path).with_name("checkpoints.db")


@asynccontextmanager
async def open_checkpoints(path: Path) -> AsyncIterator:
    """A LangGraph AsyncSqliteSaver on `path` (created if absent)."""
    # imported on use: langgraph takes a second to import and most commands never need it
    import aiosqlite
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    path.parent.mkdir(parents=True, exist_ok=True)
    async with aiosqlite.connect(str(path), timeout=30) as conn:
        # WAL + normal sync: a commit per checkpoint without an fsync each time
        await conn.execute("pragma journal_mode=wal")
        await conn.execute("pragma synchronous=normal")
        saver = AsyncSqliteSaver(conn)
        await saver.setup()
        yield saver
