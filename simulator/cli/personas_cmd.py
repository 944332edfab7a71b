"""`patientsim personas ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="Personas commands.", no_args_is_help=True)
