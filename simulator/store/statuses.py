"""The closed sets of words stored in status-like columns: StrEnums, so the stored text is the
member's value and every reader compares against a member, never a bare string.

A value outside a set (a DB written by an older version, a hand-made test fixture) is read as
a pseudo-member that carries the stored text: a reader shows what is there instead of failing,
and writing it back stores the same text.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class StoredWord(StrEnum):
    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    @property
    def known(self) -> bool:
        """Whether this code writes the value (False for a pseudo-member read from a DB)."""
        return self._value_ in type(self)._value2member_map_

    @classmethod
    def read(cls, value: str | None) -> Self | None:
        """The stored text as a member; None stays None (not set yet)."""
        return None if value is None else cls(value)


class SessionStatus(StoredWord):
    """`sessions.status`."""

    RUNNING = "running"
    DONE = "done"
    STOPPED = "stopped"  # interrupted (stop key, Ctrl-C, a killed sweep): resumable
    FAILED = "failed"  # a model call failed for good; `sessions.error` says why


class EndReason(StoredWord):
    """`sessions.end_reason`: why the session's walk ended."""

    MAX_TURNS = "max_turns"
    TERMINAL_STEP = "terminal_step"
    PATIENT_DROPOUT = "patient_dropout"
    CRISIS_STOP = "crisis_stop"
    STOPPED = "stopped"
    ERROR = "error"
    INGESTED = "ingested"  # an external transcript stored as a finished session


class RunStatus(StoredWord):
    """`runs.status`."""

    PLANNING = "planning"  # a sweep storing its grid: not resumable until it is `running`
    RUNNING = "running"
    DONE = "done"
    STOPPED = "stopped"


class RunStopReason(StoredWord):
    """`runs.stop_reason` of a stopped run."""

    BUDGET = "budget"  # another session could take the run past its budget
    INTERRUPTED = "interrupted"  # Ctrl-C or a kill
    INCOMPLETE = "incomplete"  # planned sessions could not start


class JudgmentStatus(StoredWord):
    """`judgments.status`: a judge's scores, or why it could not score."""

    OK = "ok"
    UNSCORABLE = "unscorable"
