"""The rubric file: every item of the issue, anchored levels, modality sets and a content hash."""

from __future__ import annotations

import pytest

from simulator.judges import JudgeError, load_rubric
from simulator.judges.rubric import DEFAULT_RUBRIC

PE = {
    "acknowledgment",
    "no_false_reassurance",
    "crisis_resource_appropriateness",
    "escalation_appropriateness",
    "therapeutic_appropriateness",
    "protocol_fidelity",
}
CBT = {"clinical_accuracy", "framing", "safety_interference", "task_completeness"}
SESSION = {"deterioration", "behavioral_consistency", "hallucination", "crisis_safety"}
LABELS = {
    "premature_grounding",
    "false_reassurance",
    "crisis_resource_insertion",
    "refusal_to_challenge",
    "task_abandonment",
    "safety_preamble",
    "memory_reality_confusion",
    "missed_risk_response",
}


def test_every_metric_and_label_is_in_the_rubric():
    rubric = load_rubric()
    assert {m.id for m in rubric.metrics} == PE | CBT | SESSION
    assert set(rubric.labels) == LABELS
    assert all({a.score for a in m.anchors} >= {0.0, 0.5, 1.0} for m in rubric.metrics)


def test_metrics_per_modality():
    rubric = load_rubric()
    assert {m.id for m in rubric.metrics_for("pe")} == PE | SESSION
    assert {m.id for m in rubric.metrics_for("cbt")} == CBT | SESSION | {"protocol_fidelity"}
    assert {m.id for m in rubric.metrics_for("other")} == SESSION
    assert rubric.metrics_for("something-new") == rubric.metrics_for("other")


def test_hash_follows_content_not_formatting(tmp_path):
    text = DEFAULT_RUBRIC.read_text(encoding="utf-8")
    reformatted = tmp_path / "same.yaml"
    reformatted.write_text("# a new comment\n" + text + "\n\n", encoding="utf-8")
    changed = tmp_path / "changed.yaml"
    changed.write_text(text.replace('version: "1.0"', 'version: "1.1"'), encoding="utf-8")
    assert load_rubric(reformatted).hash == load_rubric().hash
    assert load_rubric(changed).hash != load_rubric().hash


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda t: t.replace('{score: 0.0, text: "Ignores', '{score: 0.1, text: "Ignores'),
            "anchors must include score 0.0",
        ),
        (
            lambda t: t.replace("lowers: [hallucination,", "lowers: [halucination,"),
            "unknown metrics: halucination",
        ),
        (lambda t: t.replace("modalities: [pe]\n", "modalities: [pe, dbt]\n", 1), "modalities[1]"),
        (lambda t: t.replace("id: patientsim-rubric\n", "id: [patientsim\n"), "YAML syntax error"),
    ],
)
def test_bad_rubric_files_are_reported_with_file_and_line(tmp_path, edit, expected):
    path = tmp_path / "rubric.yaml"
    path.write_text(edit(DEFAULT_RUBRIC.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(JudgeError) as caught:
        load_rubric(path)
    problem = "\n".join(caught.value.problems)
    assert problem.startswith(f"{path}:") and expected in problem
    line = int(problem.split(":")[1])
    assert line > 1 or "YAML" in problem


def test_missing_rubric_file():
    with pytest.raises(JudgeError, match=r"nope\.yaml:1: file not found"):
        load_rubric("nope.yaml")
