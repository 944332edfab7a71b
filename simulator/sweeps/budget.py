"""The budget guard: no new session starts when it could take the run past its budget.

"Could" is judged from the most expensive session finished so far: the spend so far, plus
that much for every session in flight and for the one about to start, must stay within the
budget. Before any session has finished the first one may start (nothing is known yet).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from simulator.sweeps.spec import Budget


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
    row = db.execute(
        "select coalesce(max(usd), 0), coalesce(max(tokens), 0) from ("
        " select sum(c.cost_usd) as usd, sum(c.prompt_tokens + c.completion_tokens) as tokens"
        " from model_calls c join sessions s on s.id = c.session_id"
        " where s.run_id = ? and s.status = 'done' group by c.session_id)",
        [run_id],
    ).fetchone()
    return Spend(float(row[0]), int(row[1]))


class BudgetGuard:
    """Tracks spend as sessions finish and says whether another may start."""

    def __init__(self, budget: Budget | None, spent: Spend, largest: Spend):
        self.budget = budget
        self.spent = spent
        self.largest = largest

    def may_start(self, in_flight: int) -> bool:
        if self.budget is None:
            return True
        projected = self.spent + self.largest.times(in_flight + 1)
        if self.budget.max_usd is not None and projected.usd > self.budget.max_usd:
            return False
        if self.budget.max_tokens is not None and projected.tokens > self.budget.max_tokens:
            return False
        return True

    def spent_more(self, spend: Spend) -> None:
        self.spent = self.spent + spend

    def observe_session(self, whole: Spend) -> None:
        """A finished session's whole spend: the estimate for the next ones."""
        self.largest = Spend(
            max(self.largest.usd, whole.usd), max(self.largest.tokens, whole.tokens)
        )

    @property
    def knows_cost(self) -> bool:
        return self.largest.usd > 0 or self.largest.tokens > 0
