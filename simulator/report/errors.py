"""The one error type of the report layer: a run or gates file it cannot report on."""

from __future__ import annotations

from collections.abc import Iterable


class ReportError(ValueError):
    """Bad report input. `problems` are lines such as `gates.yaml:7: axes: unknown field`."""

    def __init__(self, problems: str | Iterable[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))
