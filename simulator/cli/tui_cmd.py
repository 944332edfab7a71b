"""`patientsim tui`: the terminal UI over a runs DB."""

from __future__ import annotations

from pathlib import Path

import typer

from simulator.cli.common import DB_OPTION, exit_at_once


def register(app: typer.Typer) -> None:
    app.command("tui")(tui)


def tui(db: Path | None = DB_OPTION) -> None:
    """Terminal UI: browse runs, watch live sessions, replay, follow sweeps, read protocols."""
    from simulator.cli.common import open_store

    store, path = open_store(db)  # creates a new DB, refuses one that is not ours
    store.conn.close()
    from tui import run  # the one place simulator imports tui, and only when asked

    run(path)
    exit_at_once(0)  # the app has stopped its sessions; a warm-up import is abandoned
