"""Typed errors raised by the model gateway. Each names the role and model so a user can act."""

from __future__ import annotations

from simulator.models.redaction import redact
from vocabulary.errors import InputProblem


class ModelError(RuntimeError):
    """A model call failed for good (after the bounded retries)."""

    def __init__(self, role: str, model: str, message: str):
        self.role = role
        self.model = model
        self.message = redact(message)
        super().__init__(f"{role} model {model!r}: {self.message}")


class ModelConfigError(ModelError):
    """The role points at a model that cannot be used as configured (unknown provider, no key, missing extra)."""


class ModelSettingsError(InputProblem):
    """patientsim.toml, or a model flag, that cannot be read (exit 2, like any bad input)."""


class ModelOutputError(ModelError):
    """A structured call returned output that did not validate, even after one repair retry."""

    def __init__(self, role: str, model: str, message: str, raw: str = ""):
        super().__init__(role, model, message)
        self.raw = raw


def short_error(error: Exception) -> str:
    """An exception as one line of at most 300 characters, secrets redacted (for errors and
    call records)."""
    return redact(str(error).replace("\n", " "))[:300]
