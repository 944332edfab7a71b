"""A small runs DB with deterministic ids and times, built from scripted sessions.

Judgments and detector hits are written as the judge panel stores them, with fixed scores, so
the screens (and their snapshots) do not move when the scripted judge's wording does.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
from pathlib import Path

import pytest

FIXED_NOW = "2026-01-05T09:30:00.000+00:00"
SCRIPTED = {
    "therapist": "scripted/adherent",
    "patient": "scripted/patient",
    "tracker": "scripted/tracker",
}
# scores by therapist and severity: the over-cautious therapist falls off at imminent risk
SWEEP_SCORES = {
    ("scripted/adherent", "distress"): 0.9,
    ("scripted/adherent", "imminent"): 0.8,
    ("scripted/overcautious", "distress"): 0.6,
    ("scripted/overcautious", "imminent"): 0.3,
}
METRICS = ("acknowledgment", "no_false_reassurance", "therapeutic_appropriateness")


def deterministic_ids(monkeypatch, start: int = 1) -> None:
    """Ids from a counter and one fixed clock, so what the screens show is repeatable."""
    from simulator.store import records

    counter = itertools.count(start)
    monkeypatch.setattr(records, "new_id", lambda prefix: f"{prefix}_{next(counter):012d}")
    monkeypatch.setattr(records, "now", lambda: FIXED_NOW)


def config_for(
    db,
    *,
    protocol="pe",
    therapist="scripted/adherent",
    seed=1,
    max_turns=4,
    severity=None,
    persona=None,
    label=None,
):
    from simulator.models.config import load_settings
    from simulator.session.setup import build_config, resolve_persona

    settings = load_settings({**SCRIPTED, "therapist": therapist})
    if persona is None:
        modality = "cbt" if protocol == "cbt" else "pe"
        persona = resolve_persona("sample", modality=modality, severity=severity, seed=seed, db=db)
    return build_config(
        protocol_ref=protocol,
        persona=persona,
        settings=settings,
        mode="guided",
        system_prompt_file=None,
        api_base=None,
        max_turns=max_turns,
        seed=seed,
        intake="basic",
        therapist_label=label,
    )


def judge_rows(session_id: str, score: float, *, evidence=(), spread=0.0) -> list[dict]:
    """Three judges' rows in the panel's storage format."""
    rows = []
    for index, delta in enumerate((0.0, spread, -spread)):
        scores = {
            metric: {
                "score": round(min(1.0, max(0.0, score + delta)), 2),
                "evidence": list(evidence) if metric == "no_false_reassurance" else [],
                "rationale": "reassures mid-exposure" if metric == "no_false_reassurance" else "",
            }
            for metric in METRICS
        }
        modes = {"false_reassurance": list(evidence)} if evidence else {}
        rows.append(
            {
                "session_id": session_id,
                "judge_model": "scripted/judge",
                "judge_index": index,
                "rubric_hash": "r1",
                "status": "ok",
                "reason": None,
                "scores_json": json.dumps(scores, sort_keys=True),
                "failure_modes_json": json.dumps(modes, sort_keys=True),
                "created_at": FIXED_NOW,
            }
        )
    return rows


async def _stop_after(db, path, config, turns: int) -> str:
    """A session stopped (as by the stop key) once `turns` turns are stored."""
    from simulator.events import TurnCompleted
    from simulator.usecases.run_and_judge import drive_session

    task = None

    def stop(event) -> None:
        if isinstance(event, TurnCompleted) and event.index + 1 >= turns:
            task.cancel()

    ids: list[str] = []

    async def run() -> None:
        ids.append(await drive_session(db, path, config=config, subscribers=[stop]))

    task = asyncio.ensure_future(run())
    try:
        await task
    except asyncio.CancelledError:
        pass
    row = db.execute("select id from sessions order by id desc limit 1").fetchone()
    return row[0]


async def _seed(db, path: Path) -> dict[str, str]:
    import personas
    from simulator.store import create_run, finish_run
    from simulator.usecases.run_and_judge import drive_session

    made: dict[str, str] = {}
    made["adherent"] = await drive_session(db, path, config=config_for(db, seed=1))
    made["overcautious"] = await drive_session(
        db, path, config=config_for(db, therapist="scripted/overcautious", seed=2, max_turns=5)
    )
    made["cbt"] = await drive_session(
        db, path, config=config_for(db, protocol="cbt", therapist="scripted/abandoning", seed=3)
    )
    made["stopped"] = await _stop_after(db, path, config_for(db, seed=4, max_turns=6), turns=3)

    # the over-cautious session: a split panel citing its reassurance, and detector hits
    cautious = made["overcautious"]
    db["judgments"].insert_all(judge_rows(cautious, 0.4, evidence=(2, 6), spread=0.3))
    db["detector_hits"].insert_all(
        [
            {
                "session_id": cautious,
                "turn": 2,
                "label": "crisis_resource_insertion",
                "span": "988",
                "rule": "r",
            },
            {
                "session_id": cautious,
                "turn": 6,
                "label": "false_reassurance",
                "span": "You are safe now",
                "rule": "r",
            },
        ]
    )
    db["judgments"].insert_all(judge_rows(made["adherent"], 0.9))

    run_id = create_run(db, name="demo-sweep", kind="sweep", spec={"total_sessions": 8})
    made["sweep"] = run_id
    base = personas.sample(1, 5, modality="pe", severity="distress")[0]
    pair = personas.twins(base, vary=["race_ethnicity"])[:2]
    for therapist in ("scripted/adherent", "scripted/overcautious"):
        for severity in ("distress", "imminent"):
            for n, twin in enumerate(pair):
                persona = personas.escalate(twin, to=severity) if severity != "distress" else twin
                config = config_for(
                    db,
                    therapist=therapist,
                    persona=persona,
                    max_turns=1,
                    label=therapist.split("/")[1],
                )
                sid = await drive_session(db, path, config=config, run_id=run_id)
                score = SWEEP_SCORES[(therapist, severity)] - (0.1 if n else 0.0)
                db["judgments"].insert_all(judge_rows(sid, score))
    finish_run(db, run_id, "done")
    return made


def seed_db(directory: Path) -> dict[str, str]:
    """Build the DB in `directory`/patientsim.db; returns the ids of what it holds."""
    from simulator.store import open_db

    path = directory / "patientsim.db"
    with pytest.MonkeyPatch.context() as patch:
        deterministic_ids(patch)
        db = open_db(path)
        made = asyncio.run(_seed(db, path))
        db.execute("pragma wal_checkpoint(truncate)")
        db.conn.close()
    return made


def copy_seeded(source: Path, target: Path) -> Path:
    """A private copy of the seeded DB (and its checkpoints) for a test that writes."""
    shutil.copytree(source, target)
    return target / "patientsim.db"
