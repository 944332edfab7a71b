"""SIGTERM stops a command the way Ctrl-C does: the session or sweep in flight is cancelled,
what it stored stays, what stopped is marked `stopped` (resumable), and the exit code says
which signal it was (130 for SIGINT, 143 for SIGTERM)."""

from __future__ import annotations

import signal

INTERRUPTED_EXIT = 130
TERMINATED_EXIT = 143
_terminated = False


def stop_on_sigterm() -> None:
    signal.signal(signal.SIGTERM, _as_interrupt)


def _as_interrupt(signum, frame) -> None:
    global _terminated
    _terminated = True
    # asyncio.run turns SIGINT into a cancel of its main task; outside it, a KeyboardInterrupt
    signal.raise_signal(signal.SIGINT)


def exit_code_of(code: int | None) -> int | None:
    """An interrupted command's exit code, 143 when the interrupt was a SIGTERM."""
    return TERMINATED_EXIT if code == INTERRUPTED_EXIT and _terminated else code
