"""`patientsim protocols ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="Protocols commands.", no_args_is_help=True)
