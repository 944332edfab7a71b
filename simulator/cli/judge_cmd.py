"""`patientsim judge ...` and `patientsim ingest`: score stored sessions, calibrate the panel, store external transcripts."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the judge group and the ingest command to the main app."""
