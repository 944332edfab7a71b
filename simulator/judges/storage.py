"""Judgments and detector hits in the runs DB, and the per-session summary read back from them.

Judgment rows are only ever added: re-judging a session (new judges, a new rubric) keeps the
older rows. Summaries use, for one rubric hash, the latest panel run (the rows stored together).
Detector hits are deterministic, so each run of the detectors replaces the session's hits.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlite_utils

from simulator.judges.aggregate import JudgeResult, aggregate_scores, panel_failure_modes
from simulator.judges.detectors import Hit, hits_by_label
from simulator.store.db import now


def store_judgments(
    db: sqlite_utils.Database, session_id: str, rubric_hash: str, results: Sequence[JudgeResult]
) -> None:
    """Add one panel run's rows; they share a created_at stamp, which marks them as one panel."""
    stamp = now()
    with db.conn:
        for result in results:
            db["judgments"].insert(
                {
                    "session_id": session_id,
                    "judge_model": result.judge_model,
                    "judge_index": result.judge_index,
                    "rubric_hash": rubric_hash,
                    "status": result.status,
                    "reason": result.reason,
                    "scores_json": json.dumps(dict(result.scores), sort_keys=True),
                    "failure_modes_json": json.dumps(dict(result.failure_modes), sort_keys=True),
                    "created_at": stamp,
                }
            )


def replace_detector_hits(db: sqlite_utils.Database, session_id: str, hits: Sequence[Hit]) -> None:
    with db.conn:
        db.execute("delete from detector_hits where session_id = ?", [session_id])
        if hits:
            db["detector_hits"].insert_all(
                {"session_id": session_id, **hit.as_dict()} for hit in hits
            )


def stored_hits(db: sqlite_utils.Database, session_id: str) -> list[Hit]:
    rows = db["detector_hits"].rows_where("session_id = ?", [session_id], order_by="turn, label")
    return [Hit(r["turn"], r["label"], r["span"], r["rule"]) for r in rows]


def latest_results(
    db: sqlite_utils.Database, session_id: str, rubric_hash: str | None = None
) -> tuple[str | None, list[JudgeResult], int]:
    """(rubric hash, the latest panel run under it, count of all other rows kept).

    Without a hash: the rubric of the newest judgment. A panel run is the rows stored together
    (one created_at stamp), so a re-judge with fewer judges never mixes with an older panel."""
    rows = list(db["judgments"].rows_where("session_id = ?", [session_id], order_by="id"))
    if not rows:
        return rubric_hash, [], 0
    rubric_hash = rubric_hash or rows[-1]["rubric_hash"]
    under_hash = [row for row in rows if row["rubric_hash"] == rubric_hash]
    if not under_hash:
        return rubric_hash, [], len(rows)
    stamp = under_hash[-1]["created_at"]
    panel = [row for row in under_hash if row["created_at"] == stamp]
    results = [_result(row) for row in sorted(panel, key=lambda r: (r["judge_index"], r["id"]))]
    return rubric_hash, results, len(rows) - len(results)


def _result(row: dict) -> JudgeResult:
    return JudgeResult(
        judge_model=row["judge_model"],
        judge_index=row["judge_index"],
        status=row["status"],
        reason=row["reason"],
        scores=json.loads(row["scores_json"] or "{}"),
        failure_modes=json.loads(row["failure_modes_json"] or "{}"),
    )


def judgment_summary(
    db: sqlite_utils.Database, session_id: str, rubric_hash: str | None = None
) -> dict[str, Any]:
    """Judgments, aggregated scores, failure modes (panel and detectors) and detector hits."""
    rubric_hash, results, older = latest_results(db, session_id, rubric_hash)
    hits = stored_hits(db, session_id)
    return {
        "rubric_hash": rubric_hash,
        "judgments": [_judgment_entry(r) for r in results],
        "unscorable": sum(1 for r in results if not r.ok),
        "older_judgments": older,
        "scores": aggregate_scores(results),
        "failure_modes": {
            "panel": panel_failure_modes(results),
            "detectors": hits_by_label(hits),
        },
        "detector_hits": [{"turn": h.turn, "label": h.label, "span": h.span} for h in hits],
    }


def _judgment_entry(result: JudgeResult) -> dict[str, Any]:
    return {
        "judge_model": result.judge_model,
        "judge_index": result.judge_index,
        "status": result.status,
        "reason": result.reason,
        "metrics": {
            metric: {
                "score": value.get("score"),
                "evidence": value.get("evidence", []),
                "rationale": value.get("rationale", ""),
                "status": result.status,
            }
            for metric, value in result.scores.items()
        },
        "failure_modes": dict(result.failure_modes),
    }


def agreement_rows(
    db: sqlite_utils.Database, session_ids: Sequence[str], rubric_hash: str | None = None
) -> list[dict[str, Any]]:
    """One row per (session, judge, metric) for simulator.analysis.judge_agreement.

    An unscorable judgment counts as unscorable for every metric the panel scored."""
    rows = []
    for session_id in session_ids:
        _, results, _ = latest_results(db, session_id, rubric_hash)
        metrics = list(dict.fromkeys(m for r in results for m in r.scores))
        for result in results:
            judge = f"{result.judge_model}#{result.judge_index}"
            for metric in metrics:
                value = result.scores.get(metric, {}).get("score") if result.ok else None
                rows.append(
                    {"session_id": session_id, "judge": judge, "metric": metric, "score": value}
                )
    return rows
