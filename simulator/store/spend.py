"""What sessions and runs have spent, summed from their recorded model calls (judges included)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from simulator.store.statuses import SessionStatus


@dataclass
class Spend:
    usd: float = 0.0
    tokens: int = 0

    def __add__(self, other: Spend) -> Spend:
        return Spend(self.usd + other.usd, self.tokens + other.tokens)

    def times(self, n: int) -> Spend:
        return Spend(self.usd * n, self.tokens * n)


def run_spend(db: sqlite_utils.Database, run_id: str) -> Spend:
    """Everything the run's sessions have spent (every model call recorded, judges included)."""
    row = db.execute(
        "select coalesce(sum(c.cost_usd), 0), "
        "coalesce(sum(c.prompt_tokens + c.completion_tokens), 0) "
        "from model_calls c join sessions s on s.id = c.session_id where s.run_id = ?",
        [run_id],
    ).fetchone()
    return Spend(float(row[0]), int(row[1]))


def session_spend(db: sqlite_utils.Database, session_id: str) -> Spend:
    row = db.execute(
        "select coalesce(sum(cost_usd), 0), coalesce(sum(prompt_tokens + completion_tokens), 0) "
        "from model_calls where session_id = ?",
        [session_id],
    ).fetchone()
    return Spend(float(row[0]), int(row[1]))


def largest_session_spend(db: sqlite_utils.Database, run_id: str) -> Spend:
    """The most any one done session of the run has spent."""
    row = db.execute(
        "select coalesce(max(usd), 0), coalesce(max(tokens), 0) from ("
        " select sum(c.cost_usd) as usd, sum(c.prompt_tokens + c.completion_tokens) as tokens"
        " from model_calls c join sessions s on s.id = c.session_id"
        " where s.run_id = ? and s.status = ? group by c.session_id)",
        [run_id, SessionStatus.DONE],
    ).fetchone()
    return Spend(float(row[0]), int(row[1]))
