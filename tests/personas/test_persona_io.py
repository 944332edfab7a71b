"""Persona files: JSONL, YAML and JSON in; JSONL out; problems named by file and line."""

from __future__ import annotations

import json

import pytest
import yaml

from personas import PersonaError, dump_personas, find_persona, load_personas, sample


@pytest.fixture(scope="module")
def people():
    return sample(3, seed=4)


def test_jsonl_round_trip(tmp_path, people) -> None:
    path = tmp_path / "people.jsonl"
    assert dump_personas(people, path) == 3
    assert load_personas(path) == people
    assert path.read_text().count("\n") == 3


def test_yaml_and_json_documents(tmp_path, people) -> None:
    as_yaml = tmp_path / "people.yaml"
    as_yaml.write_text(
        yaml.safe_dump([p.model_dump(mode="json", exclude={"id"}) for p in people], sort_keys=False)
    )
    assert load_personas(as_yaml) == people
    one = tmp_path / "one.json"
    one.write_text(json.dumps(people[0].model_dump(mode="json"), indent=2))
    assert load_personas(one) == [people[0]]


def test_bad_jsonl_lines_are_reported_with_line_numbers(tmp_path, people) -> None:
    path = tmp_path / "bad.jsonl"
    broken = people[1].model_dump(mode="json", exclude={"id"})
    broken["clinical"]["baseline_suds"] = 140
    del broken["severity"]
    path.write_text(people[0].to_json() + "\n\n{not json\n" + json.dumps(broken) + "\n[1, 2]\n")
    with pytest.raises(PersonaError) as caught:
        load_personas(path)
    assert caught.value.problems == [
        f"{path}:3: not valid JSON (Expecting property name enclosed in double quotes at column 2)",
        f"{path}:4: clinical.baseline_suds: Input should be less than or equal to 100",
        f"{path}:4: severity: required field is missing",
        f"{path}:5: expected a JSON object (one persona per line)",
    ]


def test_bad_yaml_fields_point_at_their_line(tmp_path, people) -> None:
    data = people[0].model_dump(mode="json", exclude={"id"})
    data["style"]["communication"] = "shouty"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "shouty" in text)
    with pytest.raises(PersonaError) as caught:
        load_personas(path)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(
        f"{path}:{line}: style.communication: Input should be"
    )


def test_empty_missing_and_unparsable_files(tmp_path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(PersonaError, match="no personas"):
        load_personas(empty)
    with pytest.raises(PersonaError, match="file not found"):
        load_personas(tmp_path / "absent.jsonl")
    bad = tmp_path / "bad.yaml"
    bad.write_text("demographics: [unclosed\n")
    with pytest.raises(PersonaError, match=r"bad.yaml:\d+: YAML syntax error"):
        load_personas(bad)


def test_find_persona_by_id(tmp_path, people) -> None:
    path = tmp_path / "people.jsonl"
    dump_personas(people, path)
    assert find_persona(people[2].id, [path]) == people[2]
    with pytest.raises(PersonaError, match="no persona with this id"):
        find_persona("p-000000000000", [path])
