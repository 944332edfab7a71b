"""Errors for session requests the user can fix (exit 2)."""

from __future__ import annotations

from vocabulary.errors import InputProblem


class SessionInputError(InputProblem):
    """A session cannot start or continue because of what the user asked."""
