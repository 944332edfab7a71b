"""Where a report's numbers came from: models, rubric and protocol hashes, seeds, spend, code."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlite_utils

from simulator.report.data import RunData
from simulator.store.run_record import RunRecord
from simulator.store.spend import run_spend

STATEMENT = (
    "These results are evidence from simulated sessions with synthetic patients, scored by "
    "model judges and deterministic detectors against the gates listed. They are not a "
    "certification, a clinical validation or a regulatory clearance, and they do not replace "
    "review by qualified clinicians and the processes the regulations themselves require."
)


def _distinct(values: Iterable[Any]) -> list[Any]:
    """Values in first-seen order, once each, without None."""
    return [v for v in dict.fromkeys(values) if v is not None]


def provenance(
    db: sqlite_utils.Database, run: RunRecord, data: RunData, gates_source: str, stats_seed: int
) -> dict:
    from simulator.versions import version_line

    stored = run.spec
    spec = stored.get("spec") or {}
    sample = (spec.get("personas") or {}).get("sample") or {}
    sessions = run.sessions  # oldest first
    therapists = sorted(
        {(s.therapist_label, s.therapist_model, s.mode) for s in sessions},
        key=lambda t: tuple(v or "" for v in t),
    )
    protocols = sorted(
        {(s.protocol_id, s.protocol_version, s.protocol_hash) for s in sessions},
        key=lambda t: tuple(v or "" for v in t),
    )
    spend = run_spend(db, run.id)
    return {
        "run_id": run.id,
        "run_name": run.name,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "status": run.status,
        "stop_reason": run.stop_reason,
        "code_version": run.code_version,
        "report_code_version": version_line(),
        "spec_source": stored.get("source"),
        "models": {
            "therapists": [
                {"label": label, "model": model, "mode": mode} for label, model, mode in therapists
            ],
            "patient": _distinct(s.patient_model for s in sessions),
            "tracker": _distinct(s.tracker_model for s in sessions),
            "judges": data.judge_models,
        },
        "rubric_hashes": data.rubric_hashes,
        "protocols": [
            {"id": protocol_id, "version": version, "hash": digest}
            for protocol_id, version, digest in protocols
        ],
        "seeds": {
            "sweep": spec.get("seed"),
            "persona_sample": sample.get("seed"),
            "analysis": stats_seed,
            "sessions": [s.seed for s in sessions if s.seed is not None],
        },
        "spend": {"usd": round(spend.usd, 6), "tokens": spend.tokens},
        "gates": gates_source,
        "statement": STATEMENT,
    }
