"""Errors raised for bad protocol input. Each problem reads `FILE:LINE: message`."""

from __future__ import annotations

from vocabulary.errors import InputProblem


class ProtocolError(InputProblem):
    """A protocol file or condition that cannot be used."""
