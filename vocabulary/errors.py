"""The one base class of every "your input is wrong" error in patientsim.

A bad protocol, persona file, sweep spec, gates file, transcript or flag raises a subclass
of `InputProblem` carrying one line per problem (`FILE:LINE: what is wrong and what to do`).
The CLI catches this one class, prints each line as `error: ...` and exits 2; an internal
bug is any other exception (exit 1, with a traceback).
"""

from __future__ import annotations

from collections.abc import Iterable


class InputProblem(ValueError):
    """Bad input the user can fix. `problems` are lines such as `spec.yaml:12: repeats: must be >= 1`."""

    def __init__(self, problems: str | Iterable[str]):
        self.problems = [problems] if isinstance(problems, str) else [str(p) for p in problems]
        super().__init__("\n".join(self.problems))
