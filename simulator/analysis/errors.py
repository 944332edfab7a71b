"""The one error type of the statistics layer: input rows it cannot read."""

from __future__ import annotations

from vocabulary.errors import InputProblem


class AnalysisError(InputProblem):
    """Rows that do not have the shape the statistics expect.

    `problems` are lines such as `row 3: scores.empathy: Input should be a valid number`.
    Degenerate but well-formed data never raises: results carry None and a reason instead.
    """
