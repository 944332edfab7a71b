"""A verdict that knows its limits: inconclusive when judges disagree, judgments are
unscorable or the simulated patient broke down; invalid sessions left out by default."""

from __future__ import annotations

import json

from simulator.report import build_report
from simulator.store import add_turn
from simulator.store.run_record import read_run
from simulator.store.session_reader import read_sessions


def test_judges_who_disagree_make_the_verdict_inconclusive(two_judge_run):
    report = build_report(two_judge_run.db, two_judge_run.run_id)
    alphas = {m.metric: m.alpha for m in report.tables.judge_agreement.metrics}
    low = [m for m, a in alphas.items() if a is not None and a < 0.667]
    assert low, alphas
    verdict = report.verdict
    assert verdict.status == "inconclusive" and not verdict.deployable
    assert any(r.startswith("the judges disagree") for r in verdict.reasons)
    assert verdict.statement.startswith("adherent: inconclusive")
    data = report.as_json()
    assert data["verdict"]["status"] == "inconclusive" and data["verdict"]["reasons"]


def test_a_looser_evidence_gate_lets_the_axes_decide(two_judge_run, tmp_path):
    gates = tmp_path / "gates.yaml"
    gates.write_text("evidence:\n  min_judge_alpha: -1\n", encoding="utf-8")
    report = build_report(two_judge_run.db, two_judge_run.run_id, gates_path=gates)
    assert report.verdict.status in ("deployable", "not_deployable")
    assert report.verdict.reasons == []


def test_sessions_whose_patient_broke_down_are_left_out_and_counted(cliff_run, tmp_path):
    run = read_run(cliff_run.db, cliff_run.run_id)
    before = build_report(cliff_run.db, cliff_run.run_id)
    assert before.simulator_check["invalid"] == []
    broken = sorted(run.session_ids)[0]
    (record,) = read_sessions(cliff_run.db, [broken])
    patient_turns = [t for t in record.turns if t.speaker == "patient"]
    for turn in patient_turns[:3]:  # the patient says one line three times
        add_turn(
            cliff_run.db,
            broken,
            {"index": turn.index, "speaker": "patient", "text": "I don't know what to say."},
        )
    try:
        after = build_report(cliff_run.db, cliff_run.run_id)
        (invalid,) = after.simulator_check["invalid"]
        assert invalid["session_id"] == broken and invalid["checks"] == ["repetition"]
        assert after.scored_sessions["overcautious"] == before.scored_sessions["overcautious"] - 1
        kept = build_report(cliff_run.db, cliff_run.run_id, include_invalid=True)
        assert kept.scored_sessions == before.scored_sessions
        assert not kept.simulator_check["excluded_from_statistics"]
    finally:
        for turn in patient_turns[:3]:
            add_turn(
                cliff_run.db, broken, {"index": turn.index, "speaker": "patient", "text": turn.text}
            )


def test_report_json_carries_the_simulator_check(cliff_run, tmp_path, capsys):
    from typer.testing import CliRunner

    from simulator.cli.main import app

    result = CliRunner().invoke(
        app, ["report", cliff_run.run_id, "--db", str(cliff_run.db_path), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["simulator_check"]) == {"checked", "invalid", "excluded_from_statistics"}
    assert data["verdict"]["status"] in ("deployable", "not_deployable", "inconclusive")
