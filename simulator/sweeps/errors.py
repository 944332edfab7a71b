"""The one error type of the sweeps layer: a spec (or gates file) that cannot be used."""

from __future__ import annotations

from vocabulary.errors import InputProblem


class SweepError(InputProblem):
    """Bad sweep input. `problems` are lines such as `spec.yaml:12: repeats: must be >= 1`."""
