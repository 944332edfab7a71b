"""Finding protocols: built-ins, --path directories, PATIENTSIM_PROTOCOLS; and the skeleton."""

from __future__ import annotations

from pathlib import Path

import pytest

from protocols import (
    PROTOCOLS_ENV,
    ProtocolError,
    list_protocols,
    load_protocol,
    protocol_from_data,
    skeleton_yaml,
    validate_file,
)

FIXTURES = Path(__file__).parent / "fixtures"


def user_dir(tmp_path: Path, *names: str) -> Path:
    directory = tmp_path / "mine"
    directory.mkdir()
    for name in names:
        (directory / f"{name}.yaml").write_text(skeleton_yaml(name), encoding="utf-8")
    return directory


def test_builtins_load_by_name():
    assert load_protocol("pe").id == "pe"
    assert load_protocol("cbt").modality == "cbt"
    assert load_protocol("pe") is load_protocol("pe")  # parsed once per file version


def test_load_by_path(tmp_path: Path):
    assert load_protocol(FIXTURES / "minimal.yaml").id == "minimal"
    assert (
        load_protocol(str(FIXTURES / "minimal.yaml")).source
        == (FIXTURES / "minimal.yaml").resolve()
    )
    with pytest.raises(ProtocolError, match="file not found"):
        load_protocol(tmp_path / "absent.yaml")


def test_user_directories_from_argument_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    directory = user_dir(tmp_path, "grief_work")
    with pytest.raises(ProtocolError, match="unknown protocol 'grief_work'"):
        load_protocol("grief_work")
    assert load_protocol("grief_work", [directory]).id == "grief_work"
    monkeypatch.setenv(PROTOCOLS_ENV, str(directory))
    assert load_protocol("grief_work").id == "grief_work"


def test_user_protocol_shadows_a_builtin_of_the_same_name(tmp_path: Path):
    directory = user_dir(tmp_path, "pe")
    assert load_protocol("pe", [directory]).modality == "other"
    entries = [e for e in list_protocols([directory]) if e.name == "pe"]
    assert [(e.builtin, e.shadowed) for e in entries] == [(False, False), (True, True)]


def test_list_reports_invalid_files_with_their_problems(tmp_path: Path):
    directory = user_dir(tmp_path, "fine")
    (directory / "broken.yaml").write_text("id: [\n", encoding="utf-8")
    entries = {entry.name: entry for entry in list_protocols([directory])}
    assert {"pe", "cbt", "fine", "broken"} <= set(entries)
    assert entries["fine"].protocol is not None and entries["fine"].problems == ()
    assert entries["broken"].protocol is None
    assert entries["broken"].problems[0].startswith(f"{directory / 'broken.yaml'}:")


def test_missing_search_directory_is_an_input_error(tmp_path: Path):
    with pytest.raises(ProtocolError, match="protocol directory not found"):
        list_protocols([tmp_path / "nowhere"])


@pytest.mark.parametrize("name", ["a", "grief_work", "Exposure-2"])
def test_skeleton_is_valid_for_any_good_name(tmp_path: Path, name: str):
    path = tmp_path / f"{name}.yaml"
    path.write_text(skeleton_yaml(name), encoding="utf-8")
    assert validate_file(path) == []
    protocol = load_protocol(path)
    assert protocol.id == name
    assert protocol.step(protocol.start).transitions[0].to == "crisis"


@pytest.mark.parametrize("name", ["", "2fast", "has space", "../escape"])
def test_skeleton_refuses_bad_names(name: str):
    with pytest.raises(ProtocolError, match="cannot be a protocol name"):
        skeleton_yaml(name)


def test_protocols_are_immutable():
    protocol = load_protocol("pe")
    with pytest.raises(ValueError):
        protocol.start = "close"  # type: ignore[misc]
    assert protocol_from_data(protocol.model_dump()).content_hash == protocol.content_hash


def test_stored_text_in_either_written_form_gives_the_same_protocol():
    import json

    from protocols import ProtocolError, load_protocol, protocol_from_text, to_node_link

    pe = load_protocol("pe")
    from_yaml = protocol_from_text(pe.source.read_text(encoding="utf-8"), "pe.yaml")
    from_json = protocol_from_text(json.dumps(to_node_link(pe)), "pe.json")
    assert from_yaml.content_hash == from_json.content_hash == pe.content_hash
    with pytest.raises(ProtocolError, match=r"^stored:1: "):
        protocol_from_text('{"nodes": [', "stored")
