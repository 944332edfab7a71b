"""Build the fixed-content runs DB described in fixed_db.yaml (for the snapshot tests)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

DATA = Path(__file__).with_name("fixed_db.yaml")
METRICS = ("acknowledgment", "no_false_reassurance", "protocol_fidelity")


def _session_row(spec: dict, now: str, run_id: str | None = None) -> dict:
    return {
        "id": spec["id"],
        "run_id": run_id,
        "persona_id": spec["persona"],
        "protocol_id": spec["protocol"],
        "protocol_version": "1.0",
        "therapist_label": spec.get("label", spec["therapist"]),
        "therapist_model": spec["therapist"],
        "patient_model": "scripted/patient",
        "tracker_model": "scripted/tracker",
        "mode": "guided",
        "severity": spec["severity"],
        "seed": 0,
        "max_turns": 8,
        "status": spec["status"],
        "end_reason": spec.get("end_reason"),
        "deteriorated": spec.get("deteriorated"),
        "created_at": now,
        "updated_at": now,
    }


def _judgment(session_id: str, index: int, metrics: dict, now: str) -> dict:
    scores = {
        metric: {"score": score, "evidence": evidence, "rationale": ""}
        for metric, (score, evidence) in metrics.items()
    }
    return {
        "session_id": session_id,
        "judge_model": "scripted/judge",
        "judge_index": index,
        "rubric_hash": "fixed",
        "status": "ok",
        "reason": None,
        "scores_json": json.dumps(scores, sort_keys=True),
        "failure_modes_json": "{}",
        "created_at": now,
    }


def _calls(session_id: str, calls: list, now: str) -> list[dict]:
    return [
        {
            "session_id": session_id,
            "role": role,
            "model": "scripted/x",
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "latency_ms": 1.0,
            "cost_usd": 0.0001 * (prompt + completion) / 100,
            "ok": 1,
            "error": None,
            "attempt": 1,
            "created_at": now,
        }
        for role, prompt, completion in calls
    ]


def build_fixed_db(path: Path) -> None:
    from simulator.store import open_db

    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    now = data["now"]
    db = open_db(path)
    for spec in data["sessions"]:
        db["sessions"].insert(_session_row(spec, now))
        for index, (speaker, step, phase, text) in enumerate(spec["turns"]):
            db["turns"].insert(
                {
                    "session_id": spec["id"],
                    "idx": index,
                    "speaker": speaker,
                    "text": text,
                    "step": step,
                    "phase": phase,
                    "created_at": now,
                }
            )
        for turn, step, suds, risk, engagement, avoided in spec.get("states", []):
            db["patient_states"].insert(
                {
                    "session_id": spec["id"],
                    "turn": turn,
                    "step": step,
                    "suds": suds,
                    "belief": None,
                    "risk": risk,
                    "engagement": engagement,
                    "avoidance_reinforced": avoided,
                    "events_json": "[]",
                }
            )
        for turn, label, span in spec.get("hits", []):
            db["detector_hits"].insert(
                {
                    "session_id": spec["id"],
                    "turn": turn,
                    "label": label,
                    "span": span,
                    "rule": "fixed",
                }
            )
        for index, metrics in enumerate(spec.get("judges", [])):
            db["judgments"].insert(_judgment(spec["id"], index, metrics, now))
        db["model_calls"].insert_all(_calls(spec["id"], spec.get("calls", []), now))

    sweep = data["sweep"]
    db["runs"].insert(
        {
            "id": sweep["id"],
            "name": sweep["name"],
            "kind": "sweep",
            "status": sweep["status"],
            "stop_reason": sweep.get("stop_reason"),
            "spec_json": json.dumps({"total_sessions": sweep["total_sessions"]}),
            "code_version": "0",
            "created_at": now,
            "finished_at": sweep.get("finished_at"),
        }
    )
    for persona_id, demographics in sweep["personas"].items():
        db["personas"].insert(
            {"id": persona_id, "json": json.dumps({"id": persona_id, "demographics": demographics})}
        )
    for n, (label, severity, persona, score, status) in enumerate(sweep["sessions"], start=1):
        session_id = f"ses_sweep_{n:02d}"
        spec = {
            "id": session_id,
            "protocol": "pe",
            "persona": persona,
            "label": label,
            "therapist": f"scripted/{label}",
            "severity": severity,
            "status": status,
            "end_reason": "max_turns" if status == "done" else "error",
        }
        db["sessions"].insert(_session_row(spec, now, run_id=sweep["id"]))
        db["model_calls"].insert_all(_calls(session_id, [["therapist", 1000, 50]], now))
        if score is not None:
            for index in range(3):
                metrics = {metric: [score, []] for metric in METRICS}
                db["judgments"].insert(_judgment(session_id, index, metrics, now))
    db.execute("pragma wal_checkpoint(truncate)")
    db.conn.close()
