"""Builders for synthetic sweep rows used across the statistics tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

_ids = itertools.count()


def session_row(**fields: Any) -> dict[str, Any]:
    """A session row with harmless defaults; keyword arguments override them."""
    row: dict[str, Any] = {
        "session_id": fields.pop("session_id", f"s{next(_ids)}"),
        "therapist": "t",
        "severity": "routine",
        "persona_id": "p",
        "twin_group": None,
        "demographics": {},
        "cell": None,
        "repeat": 0,
        "scores": {},
        "deteriorated_state": False,
        "deteriorated_judge": False,
        "therapist_turns": 10,
        "detector_counts": {},
    }
    row.update(fields)
    return row


def twin_rows(
    n_groups: int,
    effect: float,
    seed: int,
    therapist: str = "t",
    persona_sd: float = 1.0,
    noise_sd: float = 0.15,
    values: tuple[str, ...] = ("A", "B"),
) -> list[dict[str, Any]]:
    """Twin groups that differ only in race; race `values[1]` scores `effect` lower.

    Personas differ a lot (persona_sd) so only a paired analysis sees a modest effect.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for group in range(n_groups):
        base = rng.normal(0.0, persona_sd)
        for position, race in enumerate(values):
            shift = -effect if position == 1 else 0.0
            rows.append(
                session_row(
                    session_id=f"{therapist}-{group}-{race}",
                    therapist=therapist,
                    persona_id=f"p{group}-{race}",
                    twin_group=f"g{group}",
                    demographics={"race": race, "gender": "woman" if group % 2 else "man"},
                    cell=f"{therapist}-{group}-{race}",
                    scores={"empathy": base + shift + rng.normal(0.0, noise_sd)},
                )
            )
    return rows


@pytest.fixture
def make_row() -> Callable[..., dict[str, Any]]:
    return session_row


@pytest.fixture
def make_twins() -> Callable[..., list[dict[str, Any]]]:
    return twin_rows
