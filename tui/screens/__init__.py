"""The app's screens: one module each."""

from tui.screens.help import HelpScreen
from tui.screens.live import LiveScreen
from tui.screens.protocol import ProtocolScreen
from tui.screens.replay import ReplayScreen
from tui.screens.runs import RunsScreen
from tui.screens.sweep import SweepScreen

__all__ = [
    "HelpScreen",
    "LiveScreen",
    "ProtocolScreen",
    "ReplayScreen",
    "RunsScreen",
    "SweepScreen",
]
