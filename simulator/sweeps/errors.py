"""The one error type of the sweeps layer: a spec (or gates file) that cannot be used."""

from __future__ import annotations

from collections.abc import Iterable


class SweepError(ValueError):
    """Bad sweep input. `problems` are lines such as `spec.yaml:12: repeats: must be >= 1`."""

    def __init__(self, problems: str | Iterable[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))
