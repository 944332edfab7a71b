"""`patientsim models`: which model each role uses and whether it answers."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("models")
    def models(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        """Each role, its model, and whether it answers (one tiny call each)."""
        raise NotImplementedError
