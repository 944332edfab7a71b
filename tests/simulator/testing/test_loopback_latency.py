"""Latency and generation speed are what was configured, and requests overlap."""

from __future__ import annotations

import asyncio
import random
import statistics
import time

import httpx

from simulator.testing import LognormalLatency, LoopbackServer, UniformLatency

_BODY = {"model": "fake", "messages": [{"role": "user", "content": "hello"}]}


def test_fixed_latency_delays_each_response() -> None:
    with LoopbackServer(latency=0.15) as server:
        started = time.perf_counter()
        httpx.post(f"{server.base_url}/chat/completions", json=_BODY)
        assert time.perf_counter() - started >= 0.15


async def test_concurrent_requests_wait_in_parallel() -> None:
    with LoopbackServer(latency=0.2) as server:
        async with httpx.AsyncClient(
            base_url=server.base_url, limits=httpx.Limits(max_connections=40)
        ) as client:
            started = time.perf_counter()
            responses = await asyncio.gather(
                *(client.post("/chat/completions", json=_BODY) for _ in range(40))
            )
            elapsed = time.perf_counter() - started
        assert all(r.status_code == 200 for r in responses)
        assert elapsed < 1.0  # 40 sequential calls would take 8 s
        assert server.stats().peak_in_flight == 40


def test_uniform_and_lognormal_draws_follow_their_parameters() -> None:
    rng = random.Random(1)
    uniform = [UniformLatency(low=0.1, high=0.3).sample(rng) for _ in range(500)]
    assert 0.1 <= min(uniform) and max(uniform) <= 0.3
    assert abs(statistics.mean(uniform) - 0.2) < 0.02
    lognormal = LognormalLatency(median=0.2, sigma=0.5, max_seconds=2.0)
    draws = [lognormal.sample(rng) for _ in range(2000)]
    assert abs(statistics.median(draws) - 0.2) < 0.02
    assert max(draws) <= 2.0
    assert statistics.mean(draws) > statistics.median(draws)  # right-skewed


def test_tokens_per_second_paces_streamed_and_whole_replies() -> None:
    with LoopbackServer(tokens_per_second=100, reply_words=20) as server:
        url = f"{server.base_url}/chat/completions"
        started = time.perf_counter()
        whole = httpx.post(url, json=_BODY).json()
        whole_elapsed = time.perf_counter() - started
        tokens = whole["usage"]["completion_tokens"]
        started = time.perf_counter()
        with httpx.stream("POST", url, json={**_BODY, "stream": True}) as response:
            arrivals = [time.perf_counter() for _ in response.iter_bytes()]
        stream_elapsed = time.perf_counter() - started
    assert whole_elapsed >= tokens / 100 * 0.9
    assert stream_elapsed >= tokens / 100 * 0.7
    assert len(arrivals) > 5  # deltas arrived piece by piece, not in one write
