"""`patientsim protocols ...`: exit codes, stdout and stderr, through the real entry point.

Most tests call `main()` in-process (the same code path as the console script, and fast);
two run the installed entry point in a subprocess as a smoke test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from protocols import BUILTIN_DIR, from_node_link

FIXTURES = Path(__file__).parent / "fixtures"
BROKEN = FIXTURES / "broken"


class Result:
    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    from simulator.cli.main import main

    def invoke(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Result:
        monkeypatch.setattr(sys, "argv", ["patientsim", "protocols", *args])
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        if cwd is not None:
            monkeypatch.chdir(cwd)
        with pytest.raises(SystemExit) as stop:
            main()
        out, err = capsys.readouterr()
        return Result(stop.value.code or 0, out, err)

    return invoke


def run_process(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator.cli.main", "protocols", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=dict(os.environ),
        timeout=120,
    )


def test_entry_point_exit_codes_in_a_real_process(tmp_path: Path):
    good = run_process("validate", str(FIXTURES / "minimal.yaml"))
    assert (good.returncode, good.stderr) == (0, "")
    bad = run_process("validate", str(BROKEN / "unknown_target.yaml"))
    assert bad.returncode == 2
    assert (
        bad.stderr
        == f"error: {BROKEN / 'unknown_target.yaml'}:29: step 'work': transition to unknown step 'dnoe' (did you mean 'done'?)\n"
    )  # noqa: E501


def test_validate_valid_files_exits_0(run):
    result = run(
        "validate",
        str(BUILTIN_DIR / "pe.yaml"),
        str(BUILTIN_DIR / "cbt.yaml"),
        str(FIXTURES / "minimal.yaml"),
    )
    assert result.returncode == 0, result.stderr
    assert f"{BUILTIN_DIR / 'pe.yaml'}: ok (pe, 12 steps)" in result.stdout
    assert result.stderr == ""


def test_validate_reports_every_problem_of_every_file_and_exits_2(run, tmp_path: Path):
    binary = tmp_path / "garbage.yaml"
    binary.write_bytes(b"\x89PNG\x00\x00\xff")
    files = [
        BROKEN / "wrong_value_type.yaml",
        BROKEN / "trap.yaml",
        binary,
        FIXTURES / "minimal.yaml",
    ]
    result = run("validate", *map(str, files))
    assert result.returncode == 2
    errors = result.stderr.splitlines()
    assert errors == [
        f"error: {BROKEN / 'wrong_value_type.yaml'}:17: step 'opening': condition: 'risk' is a level (none, low, moderate, high, imminent), not 'severe'",  # noqa: E501
        f"error: {BROKEN / 'wrong_value_type.yaml'}:32: step 'work': condition: 'suds' is a number from 0 to 100; 150 is out of range",  # noqa: E501
        f"error: {BROKEN / 'trap.yaml'}:49: step 'loop_a' has no path to a terminal step (a trap: once there the session can never end)",  # noqa: E501
        f"error: {BROKEN / 'trap.yaml'}:56: step 'loop_b' has no path to a terminal step (a trap: once there the session can never end)",  # noqa: E501
        f"error: {binary}:1: this is a binary file, not YAML text",
    ]
    assert f"{FIXTURES / 'minimal.yaml'}: ok" in result.stdout
    assert "Traceback" not in result.stderr


def test_validate_empty_and_missing_files(run, tmp_path: Path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    result = run("validate", str(empty), str(tmp_path / "missing.yaml"))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"error: {empty}:1: the file is empty", f"error: {tmp_path / 'missing.yaml'}:1: file not found"]  # fmt: skip


def test_show_prints_a_tree(run):
    result = run("show", "pe")
    assert result.returncode == 0, result.stderr
    assert "├── imaginal_exposure: Imaginal exposure (retelling the trauma memory)  (imaginal_exposure; turns 6-20)" in result.stdout  # fmt: skip
    assert (
        "2. -> hot_spots [habituation]  when turns_in_step >= 6 and suds <= suds_peak - 20"
        in result.stdout
    )


def test_export_formats(run):
    mermaid = run("export", "cbt", "--format", "mermaid")
    assert mermaid.returncode == 0 and mermaid.stdout.startswith("flowchart TD\n")
    dot = run("export", str(BUILTIN_DIR / "cbt.yaml"), "-f", "dot")
    assert dot.returncode == 0 and dot.stdout.startswith('digraph "cbt" {')
    exported = run("export", "cbt", "--format", "json")
    data = json.loads(exported.stdout)
    assert set(data) >= {"nodes", "edges"}
    assert from_node_link(data).id == "cbt"
    bad = run("export", "cbt", "--format", "png")
    assert (bad.returncode, bad.stderr) == (
        2,
        "error: --format png: unknown format; use one of mermaid, dot, json\n",
    )


def test_unknown_protocol_and_bad_files_exit_2(run):
    unknown = run("show", "nonexistent")
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("error: unknown protocol 'nonexistent' (available: cbt, pe")
    broken = run("export", str(BROKEN / "duplicate_step_id.yaml"))
    assert broken.returncode == 2
    assert (
        broken.stderr
        == f"error: {BROKEN / 'duplicate_step_id.yaml'}:30: duplicate step id 'work' (also used by steps[1])\n"
    )  # noqa: E501


def test_schema_prints_json_schema(run):
    result = run("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "Protocol" and "Condition" in schema["$defs"]


def test_new_writes_a_valid_skeleton_and_never_overwrites(run, tmp_path: Path):
    created = run("new", "grief_work", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    target = tmp_path / "grief_work.yaml"
    assert yaml.safe_load(target.read_text(encoding="utf-8"))["id"] == "grief_work"
    assert "# " in target.read_text(encoding="utf-8")  # commented for the designer
    assert run("validate", str(target)).returncode == 0
    target.write_text("edited by hand\n", encoding="utf-8")
    again = run("new", "grief_work", cwd=tmp_path)
    assert again.returncode == 2
    assert (
        again.stderr
        == "error: grief_work.yaml:1: already exists; choose another name or move the file away\n"
    )
    assert target.read_text(encoding="utf-8") == "edited by hand\n"
    bad = run("new", "no good", cwd=tmp_path)
    assert bad.returncode == 2 and "cannot be a protocol name" in bad.stderr


def test_list_shows_builtins_and_user_directories(run, tmp_path: Path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "draft.yaml").write_text("id: [\n", encoding="utf-8")
    result = run("list", "--path", str(mine), env={"PATIENTSIM_PROTOCOLS": ""})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("pe ") and "built-in" in line and "12 steps" in line for line in lines
    )
    assert any(line.startswith("draft ") and "INVALID: 1 problem(s)" in line for line in lines)
    missing = run("list", "--path", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "protocol directory not found" in missing.stderr
