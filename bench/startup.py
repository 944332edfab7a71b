"""Start-up: how long whole `patientsim` processes take, medians of N runs each.

    .venv/bin/python bench/startup.py            # 5 runs each (the documented figures)
    .venv/bin/python bench/startup.py --runs 2   # quicker

Four figures, each against its target on an idle machine:
- `patientsim --help`                                     <= 0.3 s
- `patientsim runs list` (a DB holding one run)             <= 0.5 s
- a 4-exchange `patientsim run`, scripted models, --no-judge <= 1.5 s
- `patientsim tui` from `q` to the process's exit, pressed as soon as the first screen is
  drawn (while the warm-up worker is still importing the session engine) <= 0.5 s
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import median, report

BIN = Path(sys.executable).parent / "patientsim"
TARGETS_S = {"help": 0.3, "runs_list": 0.5, "scripted_run": 1.5, "tui_quit": 0.5}
SCRIPTED_RUN = [
    "run",
    "--protocol",
    "pe",
    "--persona",
    "sample",
    "--therapist",
    "scripted/adherent",
    "--patient",
    "scripted/patient",
    "--tracker",
    "scripted/tracker",
    "--no-judge",
    "--max-turns",
    "4",
    "--seed",
    "1",
]


def timed(args: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run([str(BIN), *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def tui_quit_seconds(env: dict) -> float:
    """Seconds from pressing `q` to the TUI's exit, `q` pressed once the first frame is drawn."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [str(BIN), "tui"],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**env, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"},
        start_new_session=True,
    )
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 60
    while b"Runs" not in seen and time.monotonic() < deadline:  # the runs screen's title
        ready, _, _ = select.select([leader], [], [], 0.05)
        if ready:
            try:
                seen += os.read(leader, 65536)
            except OSError:
                break
    if b"Runs" not in seen:
        process.kill()
        raise RuntimeError("the TUI drew no runs screen within 60 s")
    started = time.perf_counter()
    os.write(leader, b"q")
    while process.poll() is None:  # keep reading, or a full pty would block the app
        ready, _, _ = select.select([leader], [], [], 0.01)
        if ready:
            try:
                os.read(leader, 65536)
            except OSError:
                pass
    elapsed = time.perf_counter() - started
    os.close(leader)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="whole-process runs per figure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "PATIENTSIM_DB": str(Path(tmp) / "startup.db"),
            "PATIENTSIM_CONFIG": str(Path(tmp) / "absent.toml"),
        }
        timed(SCRIPTED_RUN, env)  # the DB now holds one run; warms the OS file cache too
        samples = {
            "help": [timed(["--help"], env) for _ in range(args.runs)],
            "runs_list": [timed(["runs", "list"], env) for _ in range(args.runs)],
            "scripted_run": [timed(SCRIPTED_RUN, env) for _ in range(args.runs)],
            "tui_quit": [tui_quit_seconds(env) for _ in range(args.runs)],
        }
    figures = {
        name: {
            "median_s": round(median(values), 3),
            "min_s": round(min(values), 3),
            "max_s": round(max(values), 3),
            "target_s": TARGETS_S[name],
            "within_target": median(values) <= TARGETS_S[name],
        }
        for name, values in samples.items()
    }
    report("startup", {"runs_per_figure": args.runs, "figures": figures})
    return 0


if __name__ == "__main__":
    sys.exit(main())
