"""Judgments and detector hits: stored through `simulator.store`, read back as a summary.

Judgment rows are only ever added: re-judging a session (new judges, a new rubric) keeps the
older rows. Summaries use, for one rubric hash, the latest panel run (the rows stored together).
Detector hits are deterministic, so each run of the detectors replaces the session's hits.
The summaries are computed from stored records, so a SessionRecord already read (the report,
the TUI) is summarised without touching the DB again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlite_utils

from simulator.judges.aggregate import JudgeResult, aggregate_scores, panel_failure_modes
from simulator.judges.detectors import Hit, hits_by_label
from simulator.store.judgment_rows import (
    PanelJudgment,
    add_panel,
    hit_records,
    judgment_records,
    replace_hits,
)
from simulator.store.session_record import HitRecord, JudgmentRecord, SessionRecord


def store_judgments(
    db: sqlite_utils.Database, session_id: str, rubric_hash: str, results: Sequence[JudgeResult]
) -> None:
    """Add one panel run's rows; they share a created_at stamp, which marks them as one panel."""
    add_panel(
        db,
        session_id,
        rubric_hash,
        [
            PanelJudgment(
                judge_model=r.judge_model,
                judge_index=r.judge_index,
                status=r.status,
                reason=r.reason,
                scores=r.scores,
                failure_modes=r.failure_modes,
            )
            for r in results
        ],
    )


def replace_detector_hits(db: sqlite_utils.Database, session_id: str, hits: Sequence[Hit]) -> None:
    replace_hits(
        db,
        session_id,
        [
            HitRecord(h.turn, h.label, h.span, h.rule, h.evidence, ",".join(h.context), h.disclosed)
            for h in hits
        ],
    )


def stored_hits(db: sqlite_utils.Database, session_id: str) -> list[Hit]:
    return _hits(hit_records(db, session_id))


def latest_results(
    db: sqlite_utils.Database, session_id: str, rubric_hash: str | None = None
) -> tuple[str | None, list[JudgeResult], int]:
    """(rubric hash, the latest panel run under it, count of all other rows kept)."""
    return latest_panel(judgment_records(db, session_id), rubric_hash)


def latest_panel(
    judgments: Sequence[JudgmentRecord], rubric_hash: str | None = None
) -> tuple[str | None, list[JudgeResult], int]:
    """(rubric hash, the latest panel run under it, count of all other rows kept).

    Without a hash: the rubric of the newest judgment. A panel run is the rows stored together
    (one created_at stamp), so a re-judge with fewer judges never mixes with an older panel."""
    rows = sorted(judgments, key=lambda j: j.id)
    if not rows:
        return rubric_hash, [], 0
    rubric_hash = rubric_hash or rows[-1].rubric_hash
    under_hash = [row for row in rows if row.rubric_hash == rubric_hash]
    if not under_hash:
        return rubric_hash, [], len(rows)
    stamp = under_hash[-1].created_at
    panel = [row for row in under_hash if row.created_at == stamp]
    results = [_result(row) for row in sorted(panel, key=lambda r: (r.judge_index, r.id))]
    return rubric_hash, results, len(rows) - len(results)


def _result(record: JudgmentRecord) -> JudgeResult:
    return JudgeResult(
        judge_model=record.judge_model,
        judge_index=record.judge_index,
        status=record.status,
        reason=record.reason,
        scores=record.scores if isinstance(record.scores, dict) else {},
        failure_modes=record.failure_modes if isinstance(record.failure_modes, dict) else {},
    )


def _hits(records: Iterable[HitRecord]) -> list[Hit]:
    return [
        Hit(
            h.turn,
            h.label,
            h.span,
            h.rule or "",
            h.evidence,
            tuple(c for c in h.context.split(",") if c),
            h.disclosed or "none",
        )
        for h in records
    ]


def judgment_summary(
    db: sqlite_utils.Database, session_id: str, rubric_hash: str | None = None
) -> dict[str, Any]:
    """Judgments, aggregated scores, failure modes (panel and detectors) and detector hits."""
    return summary_of(judgment_records(db, session_id), hit_records(db, session_id), rubric_hash)


def record_summary(record: SessionRecord, rubric_hash: str | None = None) -> dict[str, Any]:
    """`judgment_summary` of a session record already read."""
    return summary_of(record.judgments, record.hits, rubric_hash)


def summary_of(
    judgments: Sequence[JudgmentRecord],
    hit_rows: Sequence[HitRecord],
    rubric_hash: str | None = None,
) -> dict[str, Any]:
    rubric_hash, results, older = latest_panel(judgments, rubric_hash)
    hits = _hits(hit_rows)
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
        "detector_hits": [
            {
                "turn": h.turn,
                "label": h.label,
                "span": h.span,
                "evidence": h.evidence,
                "context": list(h.context),
                "disclosed": h.disclosed,
            }
            for h in hits
        ],
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
    """One row per (session, judge, metric) for simulator.analysis.judge_agreement."""
    return agreement_rows_of(((sid, judgment_records(db, sid)) for sid in session_ids), rubric_hash)


def agreement_rows_of(
    judged: Iterable[tuple[str, Sequence[JudgmentRecord]]], rubric_hash: str | None = None
) -> list[dict[str, Any]]:
    """One row per (session, judge, metric) from each session's judgments.

    An unscorable judgment counts as unscorable for every metric the panel scored."""
    rows = []
    for session_id, judgments in judged:
        _, results, _ = latest_panel(judgments, rubric_hash)
        metrics = list(dict.fromkeys(m for r in results for m in r.scores))
        for result in results:
            judge = f"{result.judge_model}#{result.judge_index}"
            for metric in metrics:
                value = result.scores.get(metric, {}).get("score") if result.ok else None
                rows.append(
                    {"session_id": session_id, "judge": judge, "metric": metric, "score": value}
                )
    return rows
