"""The loopback model server in a background thread with its own event loop."""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType
from typing import Any, Self

from simulator.testing.loopback_app import AsyncLoopbackServer
from simulator.testing.loopback_config import LoopbackConfig
from simulator.testing.loopback_stats import ServerStats

_START_TIMEOUT_S = 10.0


class LoopbackServer:
    """Run the loopback model server beside synchronous or asynchronous code.

    `with LoopbackServer(LoopbackConfig(latency=0.2)) as server:` then point clients at
    `server.base_url`. Keyword settings are shorthand for config fields:
    `LoopbackServer(latency=0.2, seed=3)`. Its own thread and loop keep it from competing
    with the event loop under test.
    """

    def __init__(self, config: LoopbackConfig | None = None, **settings: Any) -> None:
        if settings:
            base = config.model_dump() if config is not None else {}
            config = LoopbackConfig.model_validate({**base, **settings})
        self.config = config or LoopbackConfig()
        self._app = AsyncLoopbackServer(self.config)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def start(self) -> Self:
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._run, name="loopback-model-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(_START_TIMEOUT_S):
            raise RuntimeError("the loopback server did not start within 10 s")
        if self._error is not None:
            self._thread.join()
            self._thread = None
            raise self._error
        return self

    def stop(self) -> None:
        """Stop the server and close all its connections (hung ones included). Idempotent."""
        thread, loop, stop_event = self._thread, self._loop, self._stop_event
        if thread is None or loop is None or stop_event is None:
            return
        try:
            loop.call_soon_threadsafe(stop_event.set)
        except RuntimeError:
            pass  # the loop already closed
        thread.join()
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._app.port

    @property
    def url(self) -> str:
        """Root URL, e.g. http://127.0.0.1:8199 (GET /stats lives here)."""
        return self._app.url

    @property
    def base_url(self) -> str:
        """OpenAI-style base URL to hand to clients, e.g. http://127.0.0.1:8199/v1."""
        return self._app.base_url

    def stats(self) -> ServerStats:
        return self._app.stats()

    def reset_stats(self) -> None:
        loop = self._loop
        if loop is not None and loop.is_running():
            # The counters belong to the server's loop; reset them there.
            asyncio.run_coroutine_threadsafe(self._reset_on_loop(), loop).result()
        else:
            self._app.reset_stats()

    async def _reset_on_loop(self) -> None:
        self._app.reset_stats()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        finally:
            loop.close()

    async def _serve(self) -> None:
        self._stop_event = asyncio.Event()
        try:
            await self._app.start()
        except BaseException as exc:  # reported to start() in the caller's thread
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            await self._stop_event.wait()
        finally:
            await self._app.stop()
