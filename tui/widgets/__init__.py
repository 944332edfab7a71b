"""Widgets shared by the screens: the session panels and the start form."""

from tui.widgets.nav import NavBar
from tui.widgets.patient_state import StatePanel
from tui.widgets.scores import ScoresPanel
from tui.widgets.session_form import SessionForm
from tui.widgets.session_view import SessionView
from tui.widgets.steps import StepList
from tui.widgets.transcript import Transcript, TurnView

__all__ = [
    "NavBar",
    "ScoresPanel",
    "SessionForm",
    "SessionView",
    "StatePanel",
    "StepList",
    "Transcript",
    "TurnView",
]
