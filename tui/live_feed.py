"""Collect a running session's events and hand them to the UI in batches.

The session calls the buffer for every event (token deltas included, possibly from a model's
worker thread); the UI drains it on a short timer, so a burst of deltas becomes one redraw.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from simulator.events import TurnDelta


class EventBuffer:
    """A thread-safe queue of session events (deque appends and pops are atomic)."""

    def __init__(self) -> None:
        self._events: deque[Any] = deque()

    def __call__(self, event: Any) -> None:
        self._events.append(event)

    def __len__(self) -> int:
        return len(self._events)

    def drain(self) -> list[Any]:
        """Every event so far, with runs of deltas for the same turn joined into one."""
        batch: list[Any] = []
        while self._events:
            event = self._events.popleft()
            last = batch[-1] if batch else None
            if (
                isinstance(event, TurnDelta)
                and isinstance(last, TurnDelta)
                and (last.index, last.speaker) == (event.index, event.speaker)
            ):
                batch[-1] = TurnDelta(
                    event.session_id, event.index, event.speaker, last.text + event.text
                )
            else:
                batch.append(event)
        return batch
