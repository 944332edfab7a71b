"""Every validation rule, one broken file each: the right message at the right line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from protocols import ProtocolError, load_protocol, protocol_from_data, validate_file

FIXTURES = Path(__file__).parent / "fixtures"
BROKEN = sorted((FIXTURES / "broken").glob("*.yaml"))
EXPECT = re.compile(r"^# expect: (\d+): (.+)$", re.MULTILINE)


def test_there_is_a_broken_file_for_each_rule():
    names = {path.stem for path in BROKEN}
    rules = {
        "yaml_syntax", "not_a_mapping", "empty", "missing_field", "wrong_type", "unknown_field",
        "duplicate_step_id", "start_missing", "unknown_target", "unreachable_step", "trap",
        "terminal_with_transitions", "no_transitions", "no_terminal", "unknown_variable",
        "unknown_operator", "wrong_value_type", "undeclared_variable", "bad_condition_shape",
    }  # fmt: skip
    assert rules <= names


@pytest.mark.parametrize("path", BROKEN, ids=[path.stem for path in BROKEN])
def test_broken_file_reports_message_at_line(path: Path):
    expectations = EXPECT.findall(path.read_text(encoding="utf-8"))
    assert expectations, f"{path.name} declares no `# expect: LINE: message`"
    problems = validate_file(path)
    assert problems
    for problem in problems:
        assert re.match(rf"^{re.escape(str(path))}:\d+: \S", problem), problem
    for line, message in expectations:
        at_line = [p for p in problems if p.startswith(f"{path}:{line}: ")]
        assert any(message in p for p in at_line), (
            f"expected at line {line}: {message}\ngot: {problems}"
        )


def test_minimal_fixture_is_valid():
    assert validate_file(FIXTURES / "minimal.yaml") == []


def test_every_problem_is_reported_at_once(tmp_path: Path):
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    text = text.replace("    title: Work\n", "")  # schema: missing title (line 21)
    text = text.replace("any: [step_done, turns_in_step >= 3]", "any: [step_done, turns >= 3]")
    text = text.replace("      - to: done\n        when:\n", "      - to: finish\n        when:\n")
    broken = tmp_path / "many.yaml"
    broken.write_text(text, encoding="utf-8")
    problems = validate_file(broken)
    joined = "\n".join(problems)
    assert "missing required field 'title'" in joined
    assert "unknown variable 'turns'" in joined
    assert "transition to unknown step 'finish'" in joined
    lines = [int(p.split(":")[1]) for p in problems]
    assert lines == sorted(lines)


def test_load_protocol_raises_protocol_error_with_every_problem(tmp_path: Path):
    broken = Path(__file__).parent / "fixtures" / "broken" / "wrong_value_type.yaml"
    with pytest.raises(ProtocolError) as caught:
        load_protocol(broken)
    assert len(caught.value.problems) == 2
    assert all(p.startswith(f"{broken}:") for p in caught.value.problems)


def test_in_memory_data_is_validated_the_same_way():
    with pytest.raises(ProtocolError) as caught:
        protocol_from_data({"id": "x", "steps": []}, source="<memory>")
    problems = caught.value.problems
    assert "<memory>: missing required field 'name'" in problems
    assert "<memory>: steps: a protocol needs at least one step" in problems


NASTY_FILES: dict[str, bytes] = {
    "binary": b"\x00\x01\x02\xff\xfe garbage",
    "latin1": "id: caf\u00e9\n".encode("latin-1"),
    "control_character": b"id: a\x07b\n",
    "deep_nesting": b"[" * 3_000,
    "alias_bomb": b"a: &a [x,x,x,x,x,x,x,x,x]\n"
    + b"".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n".encode()
        for p, n in zip("abcdefg", "bcdefgh", strict=True)
    ),
    "recursive_alias": b"a: &x [*x]\n",
    "python_tag": b"id: !!python/object/apply:os.system ['echo unsafe']\n",
    "python_name": b"id: !!python/name:os.system\n",
    "two_documents": b"id: a\n---\nid: b\n",
    "scalar": b"just some text\n",
    "tab_indent": b"id: x\n\tname: y\n",
    "merge_key": b"base: &b {x: 1}\nother:\n  <<: *b\n",
    "null_document": b"~\n",
    "odd_keys": b"1: a\ntrue: b\n? [a, b]\n: c\n",
    "infinite_numbers": b"steps:\n  - id: a\n    max_turns: .inf\n    min_turns: .nan\n",
    "steps_not_a_list": b"id: a\nsteps: {a: 1}\nstart: a\n",
    "step_not_a_mapping": b"id: a\nsteps: [3, [1], null]\nstart: a\n",
    "transitions_garbage": b"steps:\n  - id: a\n    transitions: [1, {to: [x]}, {to: a, when: {all: 3}}]\n",
}


@pytest.mark.parametrize("content", NASTY_FILES.values(), ids=NASTY_FILES.keys())
def test_nasty_content_gives_located_problems_not_tracebacks(tmp_path: Path, content: bytes):
    path = tmp_path / "nasty.yaml"
    path.write_bytes(content)
    problems = validate_file(path)
    assert problems
    assert all(re.match(rf"^{re.escape(str(path))}:\d+: \S", p) for p in problems), problems


def test_python_tags_are_never_constructed(tmp_path: Path):
    path = tmp_path / "tag.yaml"
    marker = tmp_path / "created"
    path.write_text(f"id: !!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8")
    problems = validate_file(path)
    assert any("unsupported YAML tag" in p for p in problems)
    assert not marker.exists()


def test_huge_file_is_refused_by_size(tmp_path: Path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"a: " + b"x" * 1_100_000)
    assert validate_file(path) == [
        f"{path}:1: file is too large (1,100,003 bytes; the limit is 1,000,000)"
    ]


def test_missing_file_and_directory(tmp_path: Path):
    assert validate_file(tmp_path / "nope.yaml") == [f"{tmp_path / 'nope.yaml'}:1: file not found"]
    assert "not a regular file" in validate_file(tmp_path)[0]


def test_non_utf8_reports_the_line_of_the_bad_byte(tmp_path: Path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"id: x\nname: caf\xe9\n")
    assert validate_file(path) == [f"{path}:2: the file is not UTF-8 text; save it as UTF-8"]


def test_utf8_bom_is_accepted(tmp_path: Path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + (FIXTURES / "minimal.yaml").read_bytes())
    assert validate_file(path) == []


def test_a_transition_to_a_list_is_a_located_error_not_a_crash(tmp_path):
    text = Path("protocols/library/pe.yaml").read_text(encoding="utf-8")
    broken = text.replace("      - to: rationale\n", "      - to: []\n", 1)
    assert broken != text
    path = tmp_path / "broken.yaml"
    path.write_text(broken, encoding="utf-8")
    problems = validate_file(path)
    assert problems and all(p.startswith(f"{path}:") for p in problems)
