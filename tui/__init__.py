"""The patientsim terminal UI (Textual). It reads simulator's events and store; it owns no logic.

from tui import PatientsimApp
PatientsimApp("runs/patientsim.db").run()
"""

from tui.app import PatientsimApp, run
from tui.session_start import SessionRequest

__all__ = ["PatientsimApp", "SessionRequest", "run"]
