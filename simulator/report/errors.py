"""The one error type of the report layer: a run or gates file it cannot report on."""

from __future__ import annotations

from vocabulary.errors import InputProblem


class ReportError(InputProblem):
    """Bad report input. `problems` are lines such as `gates.yaml:7: axes: unknown field`."""
