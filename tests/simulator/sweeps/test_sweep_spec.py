"""The sweep spec: validation with FILE:LINE problems, JSON Schema, and the CLI's exit 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sweep_helpers import spec_data, write_spec

from simulator.sweeps import SweepError, load_spec, sweep_json_schema

CLI = [sys.executable, "-m", "simulator.cli.main"]


def _problems(tmp_path, text: str) -> list[str]:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SweepError) as caught:
        load_spec(path)
    return caught.value.problems


def test_unknown_field_and_bad_value_point_at_their_lines(tmp_path):
    problems = _problems(
        tmp_path,
        "name: x\n"
        "personas:\n"
        "  sample: {n: 2}\n"
        "protocols: [pe]\n"
        "therapists:\n"
        "  - {label: a, model: scripted/adherent}\n"
        "repeats: 0\n"
        "concurency: 3\n",
    )
    path = tmp_path / "bad.yaml"
    assert any(p.startswith(f"{path}:7: repeats") for p in problems), problems
    assert any(p.startswith(f"{path}:8: concurency") and "unknown field" in p for p in problems)


def test_references_are_checked_with_the_line_of_the_entry(tmp_path):
    problems = _problems(
        tmp_path,
        "name: x\n"
        "personas:\n"
        "  files: [nowhere.jsonl]\n"
        "protocols: [pe, no-such-protocol]\n"
        "therapists:\n"
        "  - {label: a, model: scripted/nobody}\n"
        "  - {label: b, model: scripted/adherent, mode: custom}\n"
        "patient: scripted/patient\n"
        "tracker: scripted/tracker\n"
        "judges: []\n",
    )
    path = tmp_path / "bad.yaml"
    joined = "\n".join(problems)
    assert f"{path}:3: personas.files.0: no file 'nowhere.jsonl'" in joined
    assert f"{path}:4: protocols.1: cannot load 'no-such-protocol'" in joined
    assert f"{path}:6:" in joined and "scripted/nobody" in joined
    assert f"{path}:7: therapists.1: mode custom needs system_prompt" in joined


def test_labels_must_be_unique_and_budget_must_say_something(tmp_path):
    data = spec_data(
        therapists=[
            {"label": "same", "model": "scripted/adherent"},
            {"label": "same", "model": "scripted/biased"},
        ],
        budget={},
    )
    with pytest.raises(SweepError) as caught:
        load_spec(write_spec(tmp_path, data))
    joined = "\n".join(caught.value.problems)
    assert "therapist labels must be unique: same" in joined
    assert "set max_usd, max_tokens or both" in joined


def test_severity_below_a_persona_file_is_refused(tmp_path):
    import personas

    path = tmp_path / "people.jsonl"
    path.write_text(
        personas.personas_jsonl(personas.sample(1, 1, modality="pe", severity="imminent"))
    )
    data = spec_data(personas={"files": ["people.jsonl"]}, severities=["routine"])
    with pytest.raises(SweepError) as caught:
        load_spec(write_spec(tmp_path, data))
    assert "escalation only raises severity" in caught.value.problems[0]


def test_a_protocol_without_personas_of_its_modality_is_refused(tmp_path):
    data = spec_data(protocols=["pe", "cbt"])  # the sample is PE only
    with pytest.raises(SweepError) as caught:
        load_spec(write_spec(tmp_path, data))
    assert "no persona has modality cbt" in caught.value.problems[0]


def test_json_schema_names_every_part_of_the_spec():
    schema = sweep_json_schema()
    assert {"personas", "twins", "severities", "therapists", "limits", "budget", "cache"} <= set(
        schema["properties"]
    )
    therapist = schema["$defs"]["TherapistSpec"]["properties"]
    assert all("description" in field for field in therapist.values())


def test_cli_reports_each_problem_and_exits_2(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\npersonas: {sample: {n: 0}}\nprotocols: []\n", encoding="utf-8")
    result = subprocess.run(CLI + ["sweep", str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith(f"error: {path}:") for line in lines), lines
    assert any("therapists" in line for line in lines)
    assert "Traceback" not in result.stderr


def test_cli_schema_prints_json():
    from typer.testing import CliRunner

    from simulator.cli.main import app

    result = CliRunner().invoke(app, ["sweep", "--schema"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["title"] == "patientsim sweep spec"


def test_shipped_examples_are_valid_specs():
    from pathlib import Path

    from simulator.sweeps.spec import SweepSpec
    from vocabulary.yaml_model import read_model

    examples = Path(__file__).parents[3] / "simulator" / "sweeps" / "examples"
    scripted = load_spec(examples / "scripted_bias.yaml")  # runs offline: fully checked
    assert {t.model for t in scripted.spec.therapists} == {"scripted/adherent", "scripted/biased"}
    remote, _ = read_model(examples / "remote_models.yaml", SweepSpec, SweepError)  # needs keys
    assert remote.cache and remote.budget.max_usd == 25.0 and remote.limits["openai"].max_parallel


@pytest.mark.parametrize("value", ['"3"', "true", "3.5"])
def test_max_turns_must_be_a_whole_number_not_text_or_a_boolean(tmp_path, value):
    path = write_spec(tmp_path, spec_data())
    text = "".join(ln for ln in path.read_text().splitlines(True) if "max_turns" not in ln)
    path.write_text(text + f"max_turns: {value}\n")
    with pytest.raises(SweepError) as caught:
        load_spec(path)
    assert any("max_turns" in p and p.startswith(f"{path}:") for p in caught.value.problems)
