"""Per-provider request limits: at most N requests in flight and R started per minute.

The limiter sits around each model request (each attempt, retries included), keyed by the
provider (the model string's prefix: openai, anthropic, hosted_vllm, ...).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager

from simulator.sweeps.spec import ProviderLimit

WINDOW_S = 60.0


class RateWindow:
    """A sliding one-minute window: `acquire` waits until fewer than `per_minute` started."""

    def __init__(self, per_minute: float, clock: Callable[[], float] = time.monotonic):
        self.capacity = max(1, int(per_minute))
        self.window = WINDOW_S * self.capacity / per_minute  # fractional rates stretch the window
        self.clock = clock
        self.started: deque[float] = deque()
        self.lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self.lock:  # first come, first served
            while True:
                now = self.clock()
                while self.started and now - self.started[0] >= self.window:
                    self.started.popleft()
                if len(self.started) < self.capacity:
                    self.started.append(now)
                    return
                await asyncio.sleep(self.window - (now - self.started[0]))


class ProviderLimiter:
    """Semaphores and rate windows per provider; providers without limits pass freely."""

    def __init__(self, limits: Mapping[str, ProviderLimit]):
        self.parallel = {
            name: asyncio.Semaphore(limit.max_parallel)
            for name, limit in limits.items()
            if limit.max_parallel
        }
        self.rates = {
            name: RateWindow(limit.requests_per_minute)
            for name, limit in limits.items()
            if limit.requests_per_minute
        }
        self.in_flight: dict[str, int] = {}
        self.peak: dict[str, int] = {}

    @asynccontextmanager
    async def request(self, provider: str) -> AsyncIterator[None]:
        if provider in self.rates:
            await self.rates[provider].acquire()
        semaphore = self.parallel.get(provider)
        if semaphore is not None:
            await semaphore.acquire()
        self.in_flight[provider] = self.in_flight.get(provider, 0) + 1
        self.peak[provider] = max(self.peak.get(provider, 0), self.in_flight[provider])
        try:
            yield
        finally:
            self.in_flight[provider] -= 1
            if semaphore is not None:
                semaphore.release()


@contextmanager
def limiting_model_calls(limiter: ProviderLimiter) -> Iterator[None]:
    """Route every model request of this context through `limiter` while the block runs
    (per request attempt, not per session, so retries count against the limits too)."""
    from simulator.models.request_gate import gating_requests

    with gating_requests(limiter.request):
        yield
