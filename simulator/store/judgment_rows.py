"""Judgments and detector hits in the runs DB (tables `judgments`, `detector_hits`).

Judgment rows are only ever added: re-judging keeps the older rows, and the rows of one panel
run share one created_at stamp. Detector hits are deterministic, so each run of the detectors
replaces the session's hits.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from simulator.store.db import now
from simulator.store.rows import fetch_dicts
from simulator.store.session_reader import hit_from_row, judgment_from_row
from simulator.store.session_record import HitRecord, JudgmentRecord
from simulator.store.statuses import JudgmentStatus


@dataclass(frozen=True)
class PanelJudgment:
    """What one judge of a panel run concluded, before it is stored."""

    judge_model: str
    judge_index: int
    status: JudgmentStatus
    reason: str | None
    scores: Mapping[str, Any]
    failure_modes: Mapping[str, Any]


def add_panel(
    db: sqlite_utils.Database,
    session_id: str,
    rubric_hash: str,
    judgments: Sequence[PanelJudgment],
) -> None:
    """Store one panel run's rows under one created_at stamp (which marks them as one panel)."""
    stamp = now()
    with db.conn:
        db.conn.executemany(
            "insert into judgments (session_id, judge_model, judge_index, rubric_hash, status,"
            " reason, scores_json, failure_modes_json, created_at)"
            " values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    session_id,
                    j.judge_model,
                    j.judge_index,
                    rubric_hash,
                    str(j.status),
                    j.reason,
                    json.dumps(dict(j.scores), sort_keys=True),
                    json.dumps(dict(j.failure_modes), sort_keys=True),
                    stamp,
                )
                for j in judgments
            ],
        )


def replace_hits(db: sqlite_utils.Database, session_id: str, hits: Sequence[HitRecord]) -> None:
    with db.conn:
        db.conn.execute("delete from detector_hits where session_id = ?", [session_id])
        db.conn.executemany(
            "insert into detector_hits (session_id, turn, label, span, rule, evidence, context,"
            " disclosed) values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (session_id, h.turn, h.label, h.span, h.rule, h.evidence, h.context, h.disclosed)
                for h in hits
            ],
        )


def judgment_records(db: sqlite_utils.Database, session_id: str) -> list[JudgmentRecord]:
    """Every judgment of the session, oldest first."""
    rows = fetch_dicts(db, "select * from judgments where session_id = ? order by id", [session_id])
    return [judgment_from_row(row) for row in rows]


def hit_records(db: sqlite_utils.Database, session_id: str) -> list[HitRecord]:
    rows = fetch_dicts(
        db,
        "select * from detector_hits where session_id = ? order by turn, label, rowid",
        [session_id],
    )
    return [hit_from_row(r) for r in rows]


def judgments_of_sessions_judged_since(
    db: sqlite_utils.Database, after_id: int
) -> list[JudgmentRecord]:
    """Every judgment (old ones too) of each session that got a judgment with id > after_id.

    Judgment rows are only ever added, so a reader that remembers the highest id it has seen
    re-reads only the sessions judged since."""
    rows = fetch_dicts(
        db,
        "select * from judgments where session_id in"
        " (select distinct session_id from judgments where id > ?) order by id",
        [after_id],
    )
    return [judgment_from_row(row) for row in rows]
