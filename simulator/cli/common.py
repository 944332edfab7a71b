"""Options and helpers shared by the commands that touch the runs DB or run sessions."""

from __future__ import annotations

import json
import sys
from pathlib import Path

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


def print_json(data) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
