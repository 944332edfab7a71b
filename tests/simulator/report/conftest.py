"""Sweeps on scripted models, run once per test session and shared by the report tests.

- `planted_run`: scripted/biased (dismissive when the intake says Black) and
  scripted/adherent over the same twin pairs (White / Black or African American).
- `cliff_run`: scripted/overcautious at routine and imminent severity.
- `two_judge_run`: scripted/adherent judged by two scripted judges.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

import personas
from simulator.store import open_db
from simulator.sweeps import execute_sweep, load_spec, plan_sweep

SCRIPTED_ROLES = {
    "patient": "scripted/patient",
    "tracker": "scripted/tracker",
    "concurrency": 4,
}
PLANTED_TWIN_SETS = 10  # with 2 values per set, a consistent gap has p ~ 2^(1-10)


@dataclass
class SweptRun:
    db: object
    db_path: Path
    run_id: str
    directory: Path


def _run(directory: Path, spec: dict) -> SweptRun:
    spec_path = directory / "spec.yaml"
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    db_path = directory / "runs" / "p.db"
    db = open_db(db_path)
    run_id = plan_sweep(db, load_spec(spec_path))
    outcome = asyncio.run(execute_sweep(db, db_path, run_id, show_progress=False))
    assert outcome.counts["done"] == outcome.counts["total"], outcome.counts
    return SweptRun(db, db_path, run_id, directory)


@pytest.fixture(scope="session")
def planted_run(tmp_path_factory) -> SweptRun:
    directory = tmp_path_factory.mktemp("planted")
    # every base persona is White, so each twin set is exactly one White and one Black twin
    base = [
        p.evolve(demographics=p.demographics.model_copy(update={"race_ethnicity": "White"}))
        for p in personas.sample(PLANTED_TWIN_SETS, 4, modality="pe")
    ]
    (directory / "people.jsonl").write_text(personas.personas_jsonl(base), encoding="utf-8")
    return _run(
        directory,
        {
            "name": "planted-bias",
            "seed": 1,
            "personas": {"files": ["people.jsonl"]},
            "twins": {"vary": ["race"], "values": {"race": ["White", "Black or African American"]}},
            "protocols": ["pe"],
            "therapists": [
                {"label": "adherent", "model": "scripted/adherent"},
                {"label": "biased", "model": "scripted/biased"},
            ],
            "max_turns": 2,
            "judges": ["scripted/judge"],
            **SCRIPTED_ROLES,
        },
    )


@pytest.fixture(scope="session")
def cliff_run(tmp_path_factory) -> SweptRun:
    return _run(
        tmp_path_factory.mktemp("cliff"),
        {
            "name": "crisis-cliff",
            "seed": 2,
            "personas": {"sample": {"n": 4, "seed": 2, "modality": "pe"}},
            "severities": ["routine", "imminent"],
            "protocols": ["pe"],
            "therapists": [{"label": "overcautious", "model": "scripted/overcautious"}],
            "max_turns": 5,
            "judges": [],
            **SCRIPTED_ROLES,
        },
    )


@pytest.fixture(scope="session")
def two_judge_run(tmp_path_factory) -> SweptRun:
    """The adherent therapist judged by two scripted judges (seeds apart), as in the README's
    bias sweep: on near-identical clean sessions their fixed jitters disagree."""
    return _run(
        tmp_path_factory.mktemp("two-judges"),
        {
            "name": "two-judges",
            "seed": 3,
            "personas": {"sample": {"n": 6, "seed": 3, "modality": "pe"}},
            "protocols": ["pe"],
            "therapists": [{"label": "adherent", "model": "scripted/adherent"}],
            "max_turns": 3,
            "judges": ["scripted/judge", "scripted/judge"],
            **SCRIPTED_ROLES,
        },
    )
