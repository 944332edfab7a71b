"""Where a report's numbers came from: models, rubric and protocol hashes, seeds, spend, code."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

STATEMENT = (
    "These results are evidence from simulated sessions with synthetic patients, scored by "
    "model judges and deterministic detectors against the gates listed. They are not a "
    "certification, a clinical validation or a regulatory clearance, and they do not replace "
    "review by qualified clinicians and the processes the regulations themselves require."
)


def _distinct(db: sqlite_utils.Database, sql: str, run_id: str) -> list[Any]:
    return [row[0] for row in db.execute(sql, [run_id]).fetchall() if row[0] is not None]


def provenance(db: sqlite_utils.Database, run: dict, gates_source: str, stats_seed: int) -> dict:
    from simulator.sweeps.budget import run_spend
    from simulator.versions import version_line

    run_id = run["id"]
    stored = json.loads(run["spec_json"] or "{}")
    spec = stored.get("spec") or {}
    sample = (spec.get("personas") or {}).get("sample") or {}
    therapists = [
        {"label": row["therapist_label"], "model": row["therapist_model"], "mode": row["mode"]}
        for row in db.query(
            "select distinct therapist_label, therapist_model, mode from sessions"
            " where run_id = ? order by 1",
            [run_id],
        )
    ]
    judged = "from judgments j join sessions s on s.id = j.session_id where s.run_id = ?"
    spend = run_spend(db, run_id)
    return {
        "run_id": run_id,
        "run_name": run["name"],
        "created_at": run["created_at"],
        "finished_at": run["finished_at"],
        "status": run["status"],
        "stop_reason": run["stop_reason"],
        "code_version": run["code_version"],
        "report_code_version": version_line(),
        "spec_source": stored.get("source"),
        "models": {
            "therapists": therapists,
            "patient": _distinct(
                db, "select distinct patient_model from sessions where run_id = ?", run_id
            ),
            "tracker": _distinct(
                db, "select distinct tracker_model from sessions where run_id = ?", run_id
            ),
            "judges": _distinct(db, f"select distinct j.judge_model {judged}", run_id),
        },
        "rubric_hashes": _distinct(db, f"select distinct j.rubric_hash {judged}", run_id),
        "protocols": [
            dict(row)
            for row in db.query(
                "select distinct protocol_id as id, protocol_version as version,"
                " protocol_hash as hash from sessions where run_id = ? order by 1",
                [run_id],
            )
        ],
        "seeds": {
            "sweep": spec.get("seed"),
            "persona_sample": sample.get("seed"),
            "analysis": stats_seed,
            "sessions": _distinct(
                db, "select seed from sessions where run_id = ? order by created_at, id", run_id
            ),
        },
        "spend": {"usd": round(spend.usd, 6), "tokens": spend.tokens},
        "gates": gates_source,
        "statement": STATEMENT,
    }
