"""`patientsim tui`: the terminal UI over a runs DB."""

from __future__ import annotations

from pathlib import Path

import typer

from simulator.cli.common import DB_OPTION


def register(app: typer.Typer) -> None:
    app.command("tui")(tui)


def tui(db: Path | None = DB_OPTION) -> None:
    """Terminal UI: browse runs, watch live sessions, replay, follow sweeps, read protocols."""
    from simulator.cli.common import open_store

    store, path = open_store(db)  # creates a new DB, refuses one that is not ours
    store.conn.close()
    from tui import run  # the one place simulator imports tui, and only when asked

    run(path)
    _exit_at_once()


def _exit_at_once() -> None:
    """Leave without the interpreter's teardown (~0.25 s of freeing a large heap, and a wait
    for nothing): the app has already stopped its sessions and every row is committed. A
    warm-up import still running on its daemon thread is simply abandoned."""
    import os
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
