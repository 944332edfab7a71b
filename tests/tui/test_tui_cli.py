"""`patientsim tui`: registered, lazily imported, and bad --db input is an error, not a traceback."""

from __future__ import annotations

import subprocess
import sys

CLI = [sys.executable, "-m", "simulator.cli.main"]


def test_help_lists_tui_without_importing_textual():
    probe = (
        "import sys, simulator.cli.main as m; "
        "print(sorted(n for n in ('tui', 'textual') if n in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    listed = subprocess.run(CLI + ["tui", "--help"], capture_output=True, text=True)
    assert listed.returncode == 0 and "--db" in listed.stdout


def test_a_file_that_is_not_a_runs_db_is_refused_with_exit_2(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n", encoding="utf-8")
    done = subprocess.run(CLI + ["tui", "--db", str(notes)], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {notes}: not an SQLite database")
    assert "Traceback" not in done.stderr
