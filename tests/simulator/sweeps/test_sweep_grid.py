"""Grid expansion and the dry run: sizes, determinism, and seeds shared where pairing needs it."""

from __future__ import annotations

import json
from collections import Counter

from sweep_helpers import spec_data, write_spec
from typer.testing import CliRunner

from simulator.session.config import SessionConfig
from simulator.sweeps import dry_run, expand, load_spec


def _grid_spec(tmp_path):
    return write_spec(
        tmp_path,
        spec_data(
            personas={"sample": {"n": 2, "seed": 5, "modality": "pe"}},
            twins={"vary": ["race"], "values": {"race": ["White", "Asian"]}},
            severities=["routine", "imminent"],
            therapists=[
                {"label": "a", "model": "scripted/adherent"},
                {"label": "b", "model": "scripted/overcautious"},
            ],
            repeats=2,
        ),
    )


def test_grid_is_the_product_of_its_dimensions_and_deterministic(tmp_path):
    loaded = load_spec(_grid_spec(tmp_path))
    first, second = list(expand(loaded)), list(expand(load_spec(_grid_spec(tmp_path))))
    twin_sizes = [
        len({p.persona_id for p in first if p.severity == "routine" and p.twin_group == g})
        for g in {p.twin_group for p in first}
    ]
    assert all(size in (2, 3) for size in twin_sizes)  # own race added when not among the values
    assert len(first) == sum(twin_sizes) * 2 * 2 * 2  # severities x therapists x repeats
    assert [(p.cell, p.seed, p.config_json) for p in first] == [
        (p.cell, p.seed, p.config_json) for p in second
    ]
    assert [p.idx for p in first] == list(range(len(first)))


def test_seeds_are_shared_by_twins_and_therapists_and_differ_by_repeat(tmp_path):
    planned = list(expand(load_spec(_grid_spec(tmp_path))))
    by_key: dict[tuple, set[int]] = {}
    for p in planned:
        by_key.setdefault((p.twin_group, p.severity, p.repeat), set()).add(p.seed)
    assert all(len(seeds) == 1 for seeds in by_key.values()), "twins and therapists share a seed"
    repeat_seeds = {(g, s): set() for g, s, _ in by_key}
    for (group, severity, _), seeds in by_key.items():
        repeat_seeds[(group, severity)] |= seeds
    assert all(len(seeds) == 2 for seeds in repeat_seeds.values()), "each repeat its own seed"
    cells = Counter(p.cell for p in planned)
    assert set(cells.values()) == {2}, "a cell holds exactly its repeats"


def test_planned_configs_carry_the_escalated_twin_and_the_therapist(tmp_path):
    planned = list(expand(load_spec(_grid_spec(tmp_path))))
    for p in planned[:8]:
        config = SessionConfig.model_validate_json(p.config_json)
        persona = json.loads(config.persona_json)
        assert persona["severity"] == p.severity
        assert persona["twin_group"] == p.twin_group
        assert config.therapist_label == p.therapist_label
        assert config.seed == p.seed and config.max_turns == 2


def test_modalities_are_matched_to_protocols(tmp_path):
    spec = write_spec(
        tmp_path,
        spec_data(personas={"sample": {"n": 6, "seed": 2}}, protocols=["pe", "cbt"]),
    )
    loaded = load_spec(spec)
    planned = list(expand(loaded))
    modality = {p.id: str(p.modality) for p in loaded.base_personas}
    assert len(planned) == len(loaded.base_personas)  # each persona meets its own protocol only
    assert all(modality[p.persona_id] == p.protocol for p in planned)
    assert dry_run(loaded).skipped_modality == len(loaded.base_personas)


def test_dry_run_counts_match_the_grid(tmp_path):
    loaded = load_spec(_grid_spec(tmp_path))
    summary = dry_run(loaded)
    planned = list(expand(loaded))
    assert summary.sessions == len(planned)
    assert summary.sessions_by_therapist == dict(Counter(p.therapist_label for p in planned))
    assert summary.model_calls == len(planned) * 2 * 3  # max_turns x (therapist, patient, tracker)
    assert summary.estimated_tokens > summary.model_calls * 100


def test_cli_dry_run_prints_the_counts_and_stores_nothing(tmp_path):
    from simulator.cli.main import app

    spec = _grid_spec(tmp_path)
    db = tmp_path / "runs" / "p.db"
    runner = CliRunner()
    result = runner.invoke(app, ["sweep", str(spec), "--dry-run", "--json", "--db", str(db)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["sessions"] == len(list(expand(load_spec(spec))))
    assert data["model_calls"] == data["sessions"] * 6 and data["estimated_tokens"] > 0
    assert not db.exists()
    text = runner.invoke(app, ["sweep", str(spec), "--dry-run"]).stdout
    assert f"sessions: {data['sessions']}" in text and "model calls" in text and "tokens" in text
