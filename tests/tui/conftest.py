"""Fixtures for the terminal UI: one seeded runs DB per test session, copied for each test."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from tui_helpers import SCRIPTED_ENV
from tui_seed import copy_seeded, seed_db


@dataclass(frozen=True)
class Seeded:
    db_path: Path
    ids: dict[str, str]


@pytest.fixture(scope="session")
def seeded_source(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    directory = tmp_path_factory.mktemp("seeded") / "runs"
    directory.mkdir()
    return directory, seed_db(directory)


@pytest.fixture
def scripted_env(monkeypatch, tmp_path):
    """Models from the environment, as a user would set them; no patientsim.toml is read."""
    monkeypatch.setenv("PATIENTSIM_CONFIG", str(tmp_path / "absent.toml"))
    for name, value in SCRIPTED_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def seeded(seeded_source, tmp_path, scripted_env) -> Seeded:
    """A private copy of the seeded DB (tests may write to it)."""
    source, ids = seeded_source
    return Seeded(copy_seeded(source, tmp_path / "runs"), ids)


@pytest.fixture(scope="session")
def fixed_source(tmp_path_factory) -> Path:
    from tui_fixed import build_fixed_db

    directory = tmp_path_factory.mktemp("fixed") / "runs"
    directory.mkdir()
    build_fixed_db(directory / "patientsim.db")
    return directory


@pytest.fixture
def fixed_db(fixed_source, tmp_path, scripted_env) -> Path:
    """A private copy of the fixed-content DB (the snapshot tests' data)."""
    return copy_seeded(fixed_source, tmp_path / "runs")
