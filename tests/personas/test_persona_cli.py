"""`patientsim personas ...` through the real entry point, `main()`, where input errors become exit 2.

Two tests spawn the console entry point as a subprocess; the rest call `main()` in-process with a
patched argv (the same code path, without paying process start-up on a shared machine).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from persona_helpers import FIXTURES, PROJECT_ROOT

from personas import load_personas, render_intake, sample


def spawn(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator.cli.main", "personas", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def run(capsys, monkeypatch):
    """Call main() as `patientsim personas ARGS`; returns (exit code, stdout, stderr)."""
    from simulator.cli.main import main

    def call(*args: str) -> subprocess.CompletedProcess[str]:
        monkeypatch.setattr(sys, "argv", ["patientsim", "personas", *args])
        capsys.readouterr()
        with pytest.raises(SystemExit) as stop:
            main()
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, stop.value.code or 0, out, err)

    return call


def test_sample_writes_jsonl_to_stdout_and_file(tmp_path, run) -> None:
    out = tmp_path / "people.jsonl"
    to_stdout = spawn(
        "sample", "--n", "6", "--seed", "3", "--modality", "pe", "--stratify", "gender,race"
    )
    to_file = run(
        "sample",
        "--n",
        "6",
        "--seed",
        "3",
        "--modality",
        "pe",
        "--stratify",
        "gender,race",
        "--out",
        str(out),
    )
    assert to_stdout.returncode == 0 and to_file.returncode == 0, to_stdout.stderr + to_file.stderr
    assert to_stdout.stdout == out.read_text()
    assert "wrote 6 persona(s)" in to_file.stderr
    expected = sample(6, seed=3, modality="pe", stratify=["gender", "race"])
    assert [json.loads(line)["id"] for line in to_stdout.stdout.splitlines()] == [
        p.id for p in expected
    ]


def test_show_twins_escalate_schema(tmp_path, run) -> None:
    people = tmp_path / "people.jsonl"
    assert run("sample", "--n", "2", "--seed", "1", "--out", str(people)).returncode == 0
    first = load_personas(people)[0]
    shown = run("show", str(people))
    assert (
        shown.returncode == 0
        and first.demographics.name in shown.stdout
        and "Trajectory: stable" in shown.stdout
    )
    by_id = run("show", first.id, "--from", str(people), "--intake", "basic")
    assert by_id.returncode == 0 and by_id.stdout.strip() == render_intake(first, "basic")
    twins = run("twins", str(people), "--vary", "gender", "--values", "gender=woman|man")
    assert twins.returncode == 0, twins.stderr
    assert len(twins.stdout.splitlines()) in (4, 5, 6)
    escalated = tmp_path / "up.jsonl"
    up = run("escalate", str(people), "--to", "imminent", "--out", str(escalated))
    assert up.returncode == 0 and all(p.severity == "imminent" for p in load_personas(escalated))
    schema = run("schema")
    assert schema.returncode == 0 and json.loads(schema.stdout)["title"] == "patientsim persona"


def test_import_partial_file_reports_rows_and_summary(run) -> None:
    path = FIXTURES / "vera_mh_mixed.tsv"
    done = run("import", "--format", "vera-mh", str(path))
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert errors[0] == f"error: {path}:3: Age: 'forty' is not a whole number" and len(errors) == 3
    assert done.stderr.splitlines()[-1] == f"{path}: imported 2 persona(s), skipped 3 row(s)"


def test_input_errors_exit_2_with_one_line_each_and_no_traceback(tmp_path, run) -> None:
    escalated = tmp_path / "imminent.jsonl"
    run("sample", "--n", "2", "--seed", "1", "--severity", "imminent", "--out", str(escalated))
    cases = [
        (("sample", "--n", "3", "--stratify", "shoe_size", "--modality", "dbt"), 2),
        (("import", "--format", "vera-mh", str(FIXTURES / "vera_mh_bad_header.tsv")), 1),
        (("import", "--format", "mindeval", str(FIXTURES / "mindeval_wrong_shape.jsonl")), 1),
        (("import", "--format", "vera-mh", str(FIXTURES / "vera_mh_all_bad.tsv")), 3),
        (("show", "p-123456789abc"), 1),
        (("escalate", str(escalated), "--to", "crisis_adjacent"), 2),
        (("twins", str(escalated), "--vary", "shoe_size"), 1),
        (("sample", "--n", "2", "--distribution", str(FIXTURES / "missing.yaml")), 1),
    ]
    for args, problems in cases:
        done = run(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr, args
        lines = done.stderr.strip().splitlines()
        assert len(lines) == problems and all(line.startswith("error: ") for line in lines), (
            args,
            lines,
        )
        assert done.stdout == "", args
    escalate_lines = run("escalate", str(escalated), "--to", "crisis_adjacent").stderr.splitlines()
    assert escalate_lines[0].startswith(f"error: {escalated}:1: severity: persona p-")


def test_an_input_error_in_a_real_process_exits_2_without_traceback() -> None:
    done = spawn("sample", "--n", "2", "--stratify", "shoe_size")
    assert done.returncode == 2 and done.stdout == ""
    assert (
        done.stderr.startswith("error: stratify: unknown field 'shoe_size'")
        and "Traceback" not in done.stderr
    )
