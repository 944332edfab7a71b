"""Classify a therapist turn by the cues the patient's state reacts to (see cues.yaml)."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import yaml


@cache
def _patterns() -> dict[str, re.Pattern]:
    data = yaml.safe_load(
        resources.files(__package__).joinpath("cues.yaml").read_text(encoding="utf-8")
    )
    return {
        name: re.compile("|".join(f"(?:{p})" for p in patterns), re.I)
        for name, patterns in data.items()
    }


def therapist_cues(text: str) -> frozenset[str]:
    return frozenset(name for name, pattern in _patterns().items() if pattern.search(text))
