"""Helpers for driving the app in tests: wait for a condition, read what a widget shows."""

from __future__ import annotations

import time

# Models as a user would set them in the environment: scripted, instant, deterministic.
SCRIPTED_ENV = {
    "PATIENTSIM_THERAPIST_MODEL": "scripted/adherent",
    "PATIENTSIM_PATIENT_MODEL": "scripted/patient",
    "PATIENTSIM_TRACKER_MODEL": "scripted/tracker",
    "PATIENTSIM_JUDGES": "scripted/judge",
}


async def wait_for(pilot, condition, timeout: float = 20.0, what: str = "condition") -> None:
    """Let the app run until `condition()` holds (or fail saying what never happened)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await pilot.pause(0.05)


async def settle(pilot) -> None:
    """Let pending layout (table column widths, scrolling) reach the screen before a picture."""
    for _ in range(3):
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.1)


def shown(widget) -> str:
    """The plain text a Static (or Label) currently shows."""
    return str(widget.content)


def table_rows(table) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def table_column(table, index: int) -> list[str]:
    return [row[index] for row in table_rows(table)]
