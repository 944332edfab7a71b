"""What a command imports decides how fast it starts: litellm alone takes seconds.

Commands that list, show help or run only in-process models must never load litellm; the
timings themselves are measured by bench/startup.py, not here.
"""

from __future__ import annotations

import os
import subprocess
import sys

# Runs the CLI in-process, then reports which heavy modules the command loaded.
PROBE = """
import atexit, sys
from simulator.cli.main import app

@atexit.register  # session commands leave through exit_at_once, which runs exit handlers
def report():
    heavy = ("litellm", "openai", "langgraph", "llama_cpp", "textual")
    print("LOADED=" + ",".join(m for m in heavy if m in sys.modules), file=sys.stderr)

app(sys.argv[1:], standalone_mode=False)
"""

SCRIPTED_SESSION = [
    "run",
    "--protocol",
    "pe",
    "--persona",
    "sample",
    "--therapist",
    "scripted/overcautious",
    "--patient",
    "scripted/patient",
    "--tracker",
    "scripted/tracker",
    "--judges",
    "scripted/judge",
    "--max-turns",
    "3",
    "--seed",
    "1",
]


def loaded_modules(tmp_path, *args: str) -> set[str]:
    env = {
        **os.environ,
        "PATIENTSIM_DB": str(tmp_path / "p.db"),
        "PATIENTSIM_CONFIG": str(tmp_path / "absent.toml"),
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=300, env=env
    )
    assert done.returncode == 0, done.stderr
    line = next(ln for ln in done.stderr.splitlines() if ln.startswith("LOADED="))
    return set(filter(None, line.removeprefix("LOADED=").split(",")))


def test_a_scripted_session_with_judges_never_imports_litellm(tmp_path):
    loaded = loaded_modules(tmp_path, *SCRIPTED_SESSION)
    assert "litellm" not in loaded and "openai" not in loaded, loaded
    assert "langgraph" in loaded  # the session itself ran on its graph


def test_listing_and_help_import_no_model_library(tmp_path):
    for args in (("runs", "list"), ("protocols", "list"), ("personas", "sample", "--n", "1")):
        loaded = loaded_modules(tmp_path, *args)
        assert not loaded & {"litellm", "openai", "langgraph", "llama_cpp", "textual"}, (
            args,
            loaded,
        )


def test_version_names_patientsim_and_the_libraries_results_depend_on():
    done = subprocess.run(
        [sys.executable, "-m", "simulator.cli.main", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip()
    assert line.startswith("patientsim 0.")
    for library in ("litellm", "langgraph", "textual", "llama-cpp-python"):
        assert f"{library} " in line
    from importlib.metadata import version

    assert f"litellm {version('litellm')}" in line
