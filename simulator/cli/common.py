"""Options and helpers shared by the commands that touch the runs DB or run sessions."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import NoReturn

import typer

DB_OPTION = typer.Option(
    None, "--db", help="Runs DB (default runs/patientsim.db or $PATIENTSIM_DB)."
)


def open_store(db: Path | None, *, create: bool = True):
    from simulator.cli.errors import UserInputError
    from simulator.store import NotOurDatabase, default_db_path, open_db

    path = Path(db) if db else default_db_path()
    try:
        return open_db(path, create=create), path
    except NotOurDatabase as exc:
        raise UserInputError(exc.problems) from exc


def ensure_out_dir(out: Path, option: str = "--out") -> None:
    """Create the output folder now, so a bad path fails before any work, not after it."""
    from simulator.cli.errors import UserInputError

    if out.exists() and not out.is_dir():
        raise UserInputError(f"{option} {out}: a file, not a folder; give a folder to write into")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserInputError(
            f"{option} {out}: cannot create the folder ({exc.strerror or exc}); "
            "give a writable folder"
        ) from exc
    if not os.access(out, os.W_OK | os.X_OK):
        raise UserInputError(f"{option} {out}: folder is not writable; give a writable folder")


def print_json(data) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def exit_at_once(code: int) -> NoReturn:
    """End the process without the interpreter's teardown (freeing a large heap of imported
    modules costs ~0.3 s). Only for commands whose every row is committed and whose only open
    files are the standard streams: exit handlers still run, the streams are flushed."""
    import atexit
    import os

    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
