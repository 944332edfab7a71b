"""The real `patientsim tui` in a real terminal (tmux): the runs table, then a live session."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tui_helpers import SCRIPTED_ENV

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(
    TMUX is None,
    reason="tmux is not installed; this end-to-end terminal test needs it (apt-get install tmux)",
)


class Terminal:
    """A detached 100x30 tmux session on a private server socket."""

    def __init__(self, command: str):
        self.tmux = [TMUX, "-L", f"patientsim-test-{os.getpid()}"]
        subprocess.run(
            [*self.tmux, "new-session", "-d", "-s", "tui", "-x", "100", "-y", "30", command],
            check=True,
        )

    def screen(self) -> str:
        done = subprocess.run(
            [*self.tmux, "capture-pane", "-p", "-t", "tui"], capture_output=True, text=True
        )
        return done.stdout

    def send(self, *keys: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", "tui", *keys], check=True)

    def wait_for(self, *texts: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if all(text in shown for text in texts):
                return shown
            time.sleep(0.2)
        raise AssertionError(f"never showed {texts}; the screen was:\n{self.screen()}")

    def running(self) -> bool:
        return (
            subprocess.run([*self.tmux, "has-session", "-t", "tui"], capture_output=True).returncode
            == 0
        )

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True)


def test_patientsim_tui_shows_runs_and_streams_a_live_session(seeded, tmp_path):
    patientsim = Path(sys.executable).with_name("patientsim")
    env = {**SCRIPTED_ENV, "PATIENTSIM_CONFIG": str(tmp_path / "absent.toml")}
    settings = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    # -u: a COLUMNS/LINES inherited from the test runner would override the real 100x30 size
    terminal = Terminal(
        f"env -u COLUMNS -u LINES {settings} {patientsim} tui --db {shlex.quote(str(seeded.db_path))}"
    )
    try:
        runs = terminal.wait_for("Sessions", seeded.ids["overcautious"], "demo-sweep", timeout=90)
        assert "scripted/overcautious" in runs and "stopped" in runs
        terminal.send("2")
        terminal.wait_for("New session", "scripted/adherent")
        terminal.send("C-r")
        live = terminal.wait_for("[15] Patient", "done (max_turns)", "1 judge")
        assert "Steps" in live and "Patient state" in live and "SUDS" in live
        terminal.send("o")  # the same session in replay, from its first turn
        replay = terminal.wait_for("turn 0/15", "[0] Therapist", "Next turn")
        assert "[15] Patient" not in replay
        terminal.send("q")
        deadline = time.monotonic() + 20
        while terminal.running() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not terminal.running(), "q quits the app"
    finally:
        terminal.close()
