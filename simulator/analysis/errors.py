"""The one error type of the statistics layer: input rows it cannot read."""

from __future__ import annotations

from collections.abc import Iterable


class AnalysisError(ValueError):
    """Rows that do not have the shape the statistics expect.

    `problems` are lines such as `row 3: scores.empathy: Input should be a valid number`.
    Degenerate but well-formed data never raises: results carry None and a reason instead.
    """

    def __init__(self, problems: str | Iterable[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))
