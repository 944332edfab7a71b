"""Refresh a screen from the DB on a timer, reading on a worker thread, one read at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.dom import DOMNode


class Poller:
    """Every `interval` seconds run `read` off the loop; hand a non-None result to `show`.

    A read still running when the timer fires is not doubled up (a slow DB never piles up
    readers), and `show` always runs on the UI loop.
    """

    def __init__(
        self,
        owner: DOMNode,
        read: Callable[[], Any],
        show: Callable[[Any], None],
        interval: float,
    ) -> None:
        self.owner, self.read, self.show, self.interval = owner, read, show, interval
        self.busy = False
        self.timer = None

    def start(self) -> None:
        self.timer = self.owner.set_interval(self.interval, self.poll)
        self.poll()

    def poll(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.owner.run_worker(self._run(), group="poll", exit_on_error=False)

    async def _run(self) -> None:
        try:
            result = await asyncio.to_thread(self.read)
        finally:
            self.busy = False
        if result is not None:
            self.show(result)
