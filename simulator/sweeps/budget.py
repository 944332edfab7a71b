"""The budget guard: no new session starts when it could take the run past its budget.

"Could" is judged from the most expensive session finished so far: the spend so far, plus
that much for every session in flight and for the one about to start, must stay within the
budget. Before any session has finished the first one may start (nothing is known yet).
"""

from __future__ import annotations

from simulator.store.spend import Spend
from simulator.sweeps.spec import Budget


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
