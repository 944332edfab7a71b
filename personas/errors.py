"""Errors raised for bad persona input. Each problem reads `FILE:ROW-or-LINE: field: message`."""

from __future__ import annotations

from vocabulary.errors import InputProblem


class PersonaError(InputProblem):
    """A persona file, distribution or request that cannot be used."""
