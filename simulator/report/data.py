"""Read a run from the DB into the plain rows the statistics take (simulator.analysis).

One SessionRow per done session: judge scores (per-session median across the panel;
unscorable -> None), three deterministic state metrics, state and judge deterioration,
detector counts, and the persona's demographics and twin group. Aggregates are computed in
SQL, a query per table rather than per session, and no transcript is held in memory.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from simulator.analysis.rows import severity_sort_key

STATE_METRICS = ("tracker_on_protocol", "state_engagement", "state_no_deterioration")
DEMOGRAPHIC_FIELDS = (
    "age",
    "gender_identity",
    "race_ethnicity",
    "sexual_orientation",
    "language",
    "education",
    "income_band",
    "region",
    "religion",
)
JUDGED_DETERIORATION_BELOW = 0.5  # rubric `deterioration`: 1 = none, 0 = caused or ignored


def _sessions(db: sqlite_utils.Database, run_id: str) -> list[dict]:
    plan = db["sweep_plan"].exists()
    join = "left join sweep_plan p on p.session_id = s.id" if plan else ""
    cell = "p.cell as cell, p.repeat as repeat" if plan else "null as cell, 0 as repeat"
    return list(
        db.query(
            f"select s.id, s.therapist_label, s.severity, s.persona_id, s.status, s.deteriorated,"
            f" s.seed, {cell} from sessions s {join} where s.run_id = ? order by s.id",
            [run_id],
        )
    )


def _grouped(db: sqlite_utils.Database, sql: str, run_id: str) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in db.query(sql, [run_id]):
        groups[row["session_id"]].append(row)
    return groups


def _turn_stats(db: sqlite_utils.Database, run_id: str) -> dict[str, dict]:
    return {
        row["session_id"]: row
        for row in db.query(
            "select t.session_id, count(*) as therapist_turns,"
            " sum(case when t.phase is not null and t.phase != 'off_protocol' then 1 else 0 end)"
            " as on_protocol, sum(case when t.phase is not null then 1 else 0 end) as placed"
            " from turns t join sessions s on s.id = t.session_id"
            " where s.run_id = ? and t.speaker = 'therapist' group by t.session_id",
            [run_id],
        )
    }


def _final_engagement(db: sqlite_utils.Database, run_id: str) -> dict[str, float]:
    return {
        row["session_id"]: row["engagement"]
        for row in db.query(
            "select ps.session_id, ps.engagement from patient_states ps join ("
            " select p.session_id, max(p.turn) as turn from patient_states p"
            " join sessions s on s.id = p.session_id where s.run_id = ? group by p.session_id"
            ") last on last.session_id = ps.session_id and last.turn = ps.turn",
            [run_id],
        )
    }


def _detector_counts(db: sqlite_utils.Database, run_id: str) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for row in db.query(
        "select h.session_id, h.label, count(distinct h.turn) as turns from detector_hits h"
        " join sessions s on s.id = h.session_id where s.run_id = ? group by 1, 2",
        [run_id],
    ):
        counts[row["session_id"]][row["label"]] = row["turns"]
    return counts


def _personas(db: sqlite_utils.Database, run_id: str) -> dict[str, dict]:
    found = {}
    for row in db.query(
        "select distinct p.id, p.json from personas p join sessions s on s.persona_id = p.id"
        " where s.run_id = ?",
        [run_id],
    ):
        data = json.loads(row["json"])
        demographics = data.get("demographics") or {}
        found[row["id"]] = {
            "twin_group": data.get("twin_group"),
            "demographics": {
                k: demographics[k] for k in DEMOGRAPHIC_FIELDS if demographics.get(k) is not None
            },
        }
    return found


def judge_scores(db: sqlite_utils.Database, session_id: str) -> dict[str, float | None]:
    """Per metric, the median across the panel (None when every judge was unscorable)."""
    try:
        from simulator.judges import judgment_summary
    except ImportError:  # no judges package: state metrics only
        return {}
    scores = judgment_summary(db, session_id).get("scores") or {}
    return {metric: (agg or {}).get("median") for metric, agg in scores.items()}


def session_rows(db: sqlite_utils.Database, run_id: str) -> list[dict[str, Any]]:
    """SessionRow dicts for the run's done sessions (failed and unfinished ones are counted
    in `status_counts`, not scored)."""
    turns = _turn_stats(db, run_id)
    engagement = _final_engagement(db, run_id)
    detectors = _detector_counts(db, run_id)
    personas = _personas(db, run_id)
    rows = []
    for session in _sessions(db, run_id):
        if session["status"] != "done":
            continue
        sid = session["id"]
        persona = personas.get(session["persona_id"], {})
        stats = turns.get(sid, {})
        scores: dict[str, float | None] = dict(judge_scores(db, sid))
        placed = stats.get("placed") or 0
        scores["tracker_on_protocol"] = stats["on_protocol"] / placed if placed else None
        scores["state_engagement"] = engagement.get(sid)
        deteriorated = session["deteriorated"]
        scores["state_no_deterioration"] = None if deteriorated is None else 1.0 - deteriorated
        judged = scores.get("deterioration")
        rows.append(
            {
                "session_id": sid,
                "therapist": session["therapist_label"],
                "severity": session["severity"],
                "persona_id": session["persona_id"],
                "twin_group": persona.get("twin_group"),
                "demographics": persona.get("demographics", {}),
                "cell": session["cell"],
                "repeat": session["repeat"] or 0,
                "scores": scores,
                "deteriorated_state": None if deteriorated is None else bool(deteriorated),
                "deteriorated_judge": None
                if judged is None
                else judged < JUDGED_DETERIORATION_BELOW,
                "therapist_turns": stats.get("therapist_turns", 0),
                "detector_counts": detectors.get(sid, {}),
            }
        )
    return rows


def judge_rows(db: sqlite_utils.Database, session_ids: Iterable[str]) -> list[dict[str, Any]]:
    """One row per (session, judge, metric) for the judge-agreement table."""
    try:
        from simulator.judges.storage import agreement_rows
    except ImportError:
        return []
    return agreement_rows(db, list(session_ids))


def status_counts(db: sqlite_utils.Database, run_id: str) -> list[dict[str, Any]]:
    """Sessions per therapist x severity x status (planned-but-never-started included)."""
    rows = list(
        db.query(
            "select therapist_label as therapist, severity, status, count(*) as sessions"
            " from sessions where run_id = ? group by 1, 2, 3 order by 1, 2, 3",
            [run_id],
        )
    )
    if db["sweep_plan"].exists():
        rows += [
            {**row, "status": "not started"}
            for row in db.query(
                "select therapist_label as therapist, severity, count(*) as sessions"
                " from sweep_plan where run_id = ? and session_id is null group by 1, 2",
                [run_id],
            )
        ]
    return sorted(
        rows, key=lambda r: (r["therapist"], severity_sort_key(r["severity"]), r["status"])
    )


def trajectories(db: sqlite_utils.Database, run_id: str) -> list[dict[str, Any]]:
    """Mean SUDS and belief by therapist x severity x turn over the run's done sessions."""
    return list(
        db.query(
            "select s.therapist_label as therapist, s.severity, ps.turn,"
            " avg(ps.suds) as suds, avg(ps.belief) as belief, count(*) as sessions"
            " from patient_states ps join sessions s on s.id = ps.session_id"
            " where s.run_id = ? and s.status = 'done' group by 1, 2, 3 order by 1, 2, 3",
            [run_id],
        )
    )
