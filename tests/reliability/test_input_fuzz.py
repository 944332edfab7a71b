"""Bad input never produces a traceback: random and mutated protocol files, persona files,
sweep specs and transcript files are each accepted, or rejected with `FILE:LINE: message`
problems (and, through the CLI, `error: FILE...` on stderr and exit 2).

Most examples call the loaders the CLI calls, in this process; a handful go through the
CLI in a subprocess, where a traceback would show.
"""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from input_mutations import apply, documents, mutations, random_edits
from reliability_helpers import CLI

import personas
from personas import PersonaError
from protocols import check_file, skeleton_yaml
from simulator.judges import JudgeError, parse_file
from simulator.sweeps import SweepError, load_spec

EXAMPLES = settings(
    max_examples=40,
    derandomize=True,  # the same examples on every run: CI never turns red by chance
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SPEC_EXAMPLE = Path(__file__).resolve().parents[2] / "simulator/sweeps/examples/scripted_bias.yaml"

PROTOCOL = skeleton_yaml("fuzz")
PERSONAS_JSONL = personas.personas_jsonl(personas.sample(2, 1))
PERSONA_YAML = yaml.safe_dump(json.loads(personas.sample(1, 2)[0].to_json()), sort_keys=False)
TRANSCRIPT_JSONL = "".join(
    json.dumps({"session": key, "speaker": speaker, "text": text}) + "\n"
    for key in ("a", "b")
    for speaker, text in [
        ("therapist", "What brings you here today?"),
        ("patient", "I keep avoiding the road where it happened."),
        ("therapist", "Let's look at that together."),
    ]
)
TRANSCRIPT_VERA = "user: I can't sleep.\nagent: How long has that been going on?\nuser: Weeks.\n"


def content() -> st.SearchStrategy:
    """Text, bytes that are not UTF-8, or a dumped random document."""
    return st.one_of(
        st.text(max_size=300),
        st.binary(max_size=200),
        documents().map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
        documents().map(json.dumps),
    )


def write(path: Path, data: str | bytes) -> Path:
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    return path


def assert_located(problems: list[str], path: Path) -> None:
    """Every problem is one line that names a file (this one, unless it names another)."""
    assert problems, "rejected without a reason"
    for problem in problems:
        assert isinstance(problem, str) and problem.strip()
        assert problem.split(":", 1)[0] and ":" in problem, problem
    assert any(p.startswith(f"{path}:") for p in problems), problems


# -- protocols -------------------------------------------------------------------------------


def check_protocol(path: Path) -> None:
    protocol, problems = check_file(path)
    if protocol is None:
        assert_located(problems, path)
    else:
        assert not problems


@EXAMPLES
@given(edits=mutations())
def test_mutated_protocol_is_accepted_or_located(tmp_path, edits):
    check_protocol(write(tmp_path / "protocol.yaml", apply(PROTOCOL, edits)))


@EXAMPLES
@given(data=content())
@example(data="=")
def test_random_protocol_is_accepted_or_located(tmp_path, data):
    check_protocol(write(tmp_path / "protocol.yaml", data))


# -- personas --------------------------------------------------------------------------------


def check_personas(path: Path) -> None:
    try:
        personas.load_personas(path)
    except PersonaError as exc:
        assert_located(exc.problems, path)


@EXAMPLES
@given(edits=mutations(), source=st.sampled_from([PERSONAS_JSONL, PERSONA_YAML]))
def test_mutated_persona_file_is_accepted_or_located(tmp_path, edits, source):
    suffix = ".jsonl" if source is PERSONAS_JSONL else ".yaml"
    check_personas(write(tmp_path / f"personas{suffix}", apply(source, edits)))


@EXAMPLES
@given(data=content(), suffix=st.sampled_from([".jsonl", ".yaml", ".json"]))
def test_random_persona_file_is_accepted_or_located(tmp_path, data, suffix):
    check_personas(write(tmp_path / f"personas{suffix}", data))


# -- sweep specs -----------------------------------------------------------------------------


def check_spec(path: Path) -> None:
    try:
        load_spec(path)
    except SweepError as exc:
        assert_located(exc.problems, path)


@EXAMPLES
@given(edits=mutations())
def test_mutated_sweep_spec_is_accepted_or_located(tmp_path, edits):
    check_spec(write(tmp_path / "spec.yaml", apply(SPEC_EXAMPLE.read_text("utf-8"), edits)))


@EXAMPLES
@given(data=content())
@example(data="=")  # a YAML `value` tag, which safe_load cannot build: once a traceback
@example(data="name: =\n")
def test_random_sweep_spec_is_accepted_or_located(tmp_path, data):
    check_spec(write(tmp_path / "spec.yaml", data))


# -- transcripts (ingest) --------------------------------------------------------------------


def check_transcript(path: Path, fmt: str) -> None:
    try:
        conversations, problems = parse_file(path, fmt)
    except JudgeError as exc:
        pytest.fail(f"{fmt} is a known format, yet: {exc}")
    if problems:
        assert_located(problems, path)
    for conversation in conversations:
        assert all(turn.speaker in ("patient", "therapist") for turn in conversation.turns)


@EXAMPLES
@given(edits=mutations(), fmt=st.sampled_from(["jsonl", "vera-mh"]))
def test_mutated_transcript_is_accepted_or_located(tmp_path, edits, fmt):
    source = TRANSCRIPT_JSONL if fmt == "jsonl" else TRANSCRIPT_VERA
    check_transcript(write(tmp_path / "log.txt", apply(source, edits)), fmt)


@EXAMPLES
@given(data=content(), fmt=st.sampled_from(["jsonl", "vera-mh"]))
def test_random_transcript_is_accepted_or_located(tmp_path, data, fmt):
    check_transcript(write(tmp_path / "log.txt", data), fmt)


# -- through the CLI -------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120)


def assert_clean_cli(done: subprocess.CompletedProcess, files: list[Path]) -> None:
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in (0, 2), (done.returncode, done.stderr[-2000:])
    if done.returncode == 2:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert lines and all(line.startswith("error: ") for line in lines), done.stderr
        assert any(str(f) in done.stderr for f in files), done.stderr


def cli_cases(tmp_path: Path, name: str, source: str, seed: int) -> list[Path]:
    """Two seeded mutations of `source` and one file of bytes that are not UTF-8."""
    rng = random.Random(seed)
    stem, suffix = name.rsplit(".", 1)
    files = [
        write(tmp_path / f"{stem}{i}.{suffix}", apply(source, random_edits(rng))) for i in range(2)
    ]
    files.append(
        write(tmp_path / f"{stem}_bytes.{suffix}", bytes(rng.randrange(256) for _ in range(64)))
    )
    return files


def test_cli_protocols_validate_reports_bad_files_without_a_traceback(tmp_path):
    files = cli_cases(tmp_path, "protocol.yaml", PROTOCOL, seed=1)
    done = run_cli("protocols", "validate", *map(str, files))
    assert done.returncode == 2  # the bytes file at least is bad
    assert_clean_cli(done, files)


def test_cli_personas_show_reports_a_bad_file_without_a_traceback(tmp_path):
    path = cli_cases(tmp_path, "personas.yaml", PERSONA_YAML, seed=2)[1]
    assert_clean_cli(run_cli("personas", "show", str(path)), [path])


def test_cli_sweep_dry_run_reports_a_bad_spec_without_a_traceback(tmp_path):
    path = cli_cases(tmp_path, "spec.yaml", SPEC_EXAMPLE.read_text("utf-8"), seed=3)[0]
    assert_clean_cli(run_cli("sweep", str(path), "--dry-run"), [path])


def test_cli_ingest_reports_bad_transcripts_without_a_traceback(tmp_path):
    files = cli_cases(tmp_path, "log.jsonl", TRANSCRIPT_JSONL, seed=4)
    db = tmp_path / "runs.db"
    done = run_cli("ingest", *map(str, files), "--format", "jsonl", "--no-judge", "--db", str(db))
    assert_clean_cli(done, files)
