"""The patientsim terminal UI: runs, live sessions, replays, sweeps and protocols over one runs DB."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.binding import Binding

from tui.screens import (
    HelpScreen,
    LiveScreen,
    ProtocolScreen,
    ReplayScreen,
    RunsScreen,
    SweepScreen,
)
from tui.session_start import SessionRequest

DARK, LIGHT = "textual-dark", "textual-light"


class PatientsimApp(App[None]):
    """`db_path` is the runs DB; `poll_interval` is how often screens look for new rows."""

    CSS_PATH = "app.tcss"
    TITLE = "patientsim"
    MODES = {
        "runs": RunsScreen,
        "live": LiveScreen,
        "replay": ReplayScreen,
        "sweep": SweepScreen,
        "protocol": ProtocolScreen,
    }
    DEFAULT_MODE = "runs"
    BINDINGS = [
        Binding("1", "switch_mode('runs')", "Runs", show=False),
        Binding("2", "switch_mode('live')", "Live", show=False),
        Binding("3", "switch_mode('replay')", "Replay", show=False),
        Binding("4", "switch_mode('sweep')", "Sweep", show=False),
        Binding("5", "switch_mode('protocol')", "Protocol", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("t", "toggle_theme", "Light/dark"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        db_path: str | Path,
        *,
        poll_interval: float = 1.0,
        form_defaults: SessionRequest | None = None,
        theme: str = DARK,
    ) -> None:
        from simulator.store import open_db

        super().__init__()
        self.db_path = Path(db_path)
        # The one writing connection: live sessions store their turns through it.
        self.db = open_db(self.db_path)
        self.poll_interval = poll_interval
        self.form_defaults = form_defaults
        self.replay_target: str | None = None
        self.sweep_target: str | None = None
        self.resume_target: str | None = None
        self.theme = theme

    def on_mount(self) -> None:
        from tui.warm_up import start_background_warm_up

        # Load the session engine in the background so the first live session starts fast.
        start_background_warm_up()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK

    def open_replay(self, session_id: str) -> None:
        self.replay_target = session_id  # the replay screen opens it when shown
        self.switch_mode("replay")

    def open_sweep(self, run_id: str) -> None:
        self.sweep_target = run_id
        self.switch_mode("sweep")

    def resume_live(self, session_id: str) -> None:
        self.resume_target = session_id  # the live screen resumes it when shown
        self.switch_mode("live")


def run(db_path: str | Path) -> None:
    """Run the UI on the terminal until the user quits."""
    PatientsimApp(db_path).run()
