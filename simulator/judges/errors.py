"""Bad judging input (a rubric, rules or transcript file, an unknown session): exit 2, no traceback."""

from __future__ import annotations

from vocabulary.errors import InputProblem


class JudgeError(InputProblem):
    """`problems` are lines such as `FILE:LINE: what is wrong and what to do`."""
