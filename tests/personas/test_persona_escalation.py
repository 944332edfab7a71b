"""Escalation raises severity and risk, weaves in a self-harm cognition, and changes nothing else."""

from __future__ import annotations

import pytest
from persona_helpers import FIXTURES, changed_paths

from personas import PersonaError, Severity, escalate, import_vera_mh, sample, twins
from personas.library import escalation_table, severity_table


@pytest.mark.parametrize("modality", ["cbt", "pe"])
@pytest.mark.parametrize("target", ["distress", "crisis_adjacent", "imminent"])
def test_escalation_changes_only_what_it_should(modality: str, target: str) -> None:
    base = sample(1, seed=31, modality=modality, trajectory="dropout_risk")[0]
    up = escalate(base, to=target)
    woven = "clinical.automatic_thought" if modality == "cbt" else "clinical.hot_spots[0].cognition"
    allowed = {
        "id",
        "severity",
        "clinical.risk",
        "clinical.suicidal_thoughts",
        "escalated_from",
        woven,
    }
    changed = changed_paths(base.model_dump(mode="json"), up.model_dump(mode="json"))
    assert changed == allowed
    assert up.severity == Severity(target) and up.escalated_from == base.id
    assert up.clinical.risk == severity_table().strata[Severity(target)].risk
    old = (
        base.clinical.automatic_thought
        if modality == "cbt"
        else base.clinical.hot_spots[0].cognition
    )
    new = up.clinical.automatic_thought if modality == "cbt" else up.clinical.hot_spots[0].cognition
    assert new.startswith(old.rstrip(".")) and new != old
    assert any(new.endswith(c) for c in getattr(escalation_table()[Severity(target)], modality))


def test_escalation_never_lowers_risk_and_only_raises_severity() -> None:
    imported = import_vera_mh(FIXTURES / "vera_mh_small.tsv").personas
    tomas = next(p for p in imported if p.demographics.name == "Tomas")
    assert tomas.clinical.risk == "high"
    assert escalate(tomas, to="imminent").clinical.risk == "imminent"
    with pytest.raises(PersonaError, match="already crisis_adjacent"):
        escalate(tomas, to="distress")
    with pytest.raises(PersonaError, match="unknown stratum"):
        escalate(tomas, to="apocalyptic")


def test_escalated_twins_stay_twins() -> None:
    base = sample(1, seed=8, modality="cbt")[0]
    escalated = [escalate(t, to="imminent") for t in twins(base, vary=["race"])]
    assert len({e.clinical.model_dump_json() for e in escalated}) == 1
    assert len({e.demographics.race_ethnicity for e in escalated}) == len(escalated)
