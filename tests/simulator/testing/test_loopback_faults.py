"""Injected faults arrive at their configured shares and look like the real thing to clients."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from typing import Any

import httpx
import jsonschema
import pytest

from simulator.testing import FaultShares, LoopbackServer

_SCHEMA = {
    "type": "object",
    "properties": {"score": {"type": "integer", "minimum": 1, "maximum": 6}},
    "required": ["score"],
}
_STRUCTURED = {"type": "json_schema", "json_schema": {"name": "score", "schema": _SCHEMA}}


def _body(**extra: Any) -> dict[str, Any]:
    return {"model": "fake", "messages": [{"role": "user", "content": "rate this"}], **extra}


def _classify(response: httpx.Response) -> str:
    """What a client sees, in the server's outcome vocabulary."""
    if response.status_code != 200:
        return str(response.status_code)
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except json.JSONDecodeError:
        return "malformed"
    try:
        value = json.loads(content)
    except json.JSONDecodeError:
        return "malformed_content"
    try:
        jsonschema.validate(value, _SCHEMA)
    except jsonschema.ValidationError:
        return "schema_invalid"
    return "ok"


async def _observe(server: LoopbackServer, n: int) -> tuple[Counter[str], list[httpx.Response]]:
    seen: Counter[str] = Counter()
    rate_limited: list[httpx.Response] = []
    gate = asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=5) as client:

        async def one() -> None:
            async with gate:
                try:
                    response = await client.post(
                        "/chat/completions", json=_body(response_format=_STRUCTURED)
                    )
                except httpx.TransportError:
                    seen["dropped"] += 1
                    return
                kind = _classify(response)
                seen[kind] += 1
                if kind == "429":
                    rate_limited.append(response)

        await asyncio.gather(*(one() for _ in range(n)))
    return seen, rate_limited


async def test_each_fault_kind_is_seen_at_roughly_its_share() -> None:
    shares = FaultShares(
        rate_limit=0.2,
        server_error=0.1,
        hang=0.05,
        reset=0.05,
        malformed=0.05,
        malformed_content=0.05,
        schema_invalid=0.1,
    )
    n = 400
    # A short hang_seconds lets hung requests end (connection closed, no answer) quickly.
    with LoopbackServer(seed=4, faults=shares, hang_seconds=0.05, retry_after_seconds=2) as server:
        seen, rate_limited = await _observe(server, n)
        stats = server.stats()
    expected = {
        "429": shares.rate_limit,
        "500": shares.server_error,
        "malformed": shares.malformed,
        "malformed_content": shares.malformed_content,
        "schema_invalid": shares.schema_invalid,
        "dropped": shares.hang + shares.reset,
        "ok": 0.4,
    }
    for kind, share in expected.items():
        assert abs(seen[kind] / n - share) < 0.05, (kind, seen)
    # What clients saw is exactly what the server counted.
    counted = {k: v for k, v in stats.outcomes.items() if v}
    dropped = counted.pop("hang") + counted.pop("reset")
    assert {**counted, "dropped": dropped} == dict(seen)
    assert stats.requests == n
    assert stats.in_flight == 0
    assert all(r.headers["retry-after"] == "2" for r in rate_limited)


def test_same_seed_gives_the_same_sequence_of_outcomes() -> None:
    def outcomes(seed: int) -> list[str]:
        with LoopbackServer(seed=seed, faults=FaultShares(rate_limit=0.3, server_error=0.3)) as s:
            with httpx.Client(base_url=s.base_url) as client:
                return [
                    str(client.post("/chat/completions", json=_body()).status_code)
                    for _ in range(30)
                ]

    first = outcomes(9)
    assert outcomes(9) == first
    assert outcomes(10) != first
    assert {"200", "429", "500"} <= set(first)


def test_429_carries_retry_after_and_an_openai_rate_limit_error() -> None:
    with LoopbackServer(faults=FaultShares(rate_limit=1), retry_after_seconds=3) as server:
        response = httpx.post(f"{server.base_url}/chat/completions", json=_body())
    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"
    assert response.json()["error"]["type"] == "rate_limit_error"


def test_500_is_an_openai_server_error() -> None:
    with LoopbackServer(faults=FaultShares(server_error=1)) as server:
        response = httpx.post(f"{server.base_url}/chat/completions", json=_body())
    assert response.status_code == 500
    assert response.json()["error"]["type"] == "server_error"


def test_reset_drops_the_connection_without_a_response() -> None:
    with LoopbackServer(faults=FaultShares(reset=1)) as server:
        with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
            httpx.post(f"{server.base_url}/chat/completions", json=_body())
        assert server.stats().outcomes["reset"] == 1


def test_hung_request_outlasts_the_client_timeout() -> None:
    with LoopbackServer(faults=FaultShares(hang=1)) as server:
        started = time.perf_counter()
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(f"{server.base_url}/chat/completions", json=_body(), timeout=0.3)
        assert time.perf_counter() - started >= 0.3
        assert server.stats().outcomes["hang"] == 1


def test_stop_releases_a_hung_request_promptly() -> None:
    server = LoopbackServer(faults=FaultShares(hang=1)).start()
    errors: list[BaseException] = []

    def call() -> None:
        try:
            httpx.post(f"{server.base_url}/chat/completions", json=_body(), timeout=30)
        except httpx.HTTPError as exc:
            errors.append(exc)

    client = threading.Thread(target=call)
    client.start()
    deadline = time.monotonic() + 5
    while server.stats().outcomes["hang"] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.perf_counter()
    server.stop()
    client.join(5)
    assert not client.is_alive()
    assert time.perf_counter() - started < 2
    assert len(errors) == 1


@pytest.mark.parametrize("stream", [False, True])
def test_malformed_body_is_200_with_unparseable_json(stream: bool) -> None:
    with LoopbackServer(faults=FaultShares(malformed=1)) as server:
        response = httpx.post(f"{server.base_url}/chat/completions", json=_body(stream=stream))
    assert response.status_code == 200
    payloads = (
        [e.removeprefix("data: ") for e in response.text.split("\n\n") if e.startswith("data: ")][
            :-1
        ]
        if stream
        else [response.text]
    )
    assert payloads
    for payload in payloads:
        with pytest.raises(json.JSONDecodeError):
            json.loads(payload)


def test_schema_faults_only_touch_structured_requests() -> None:
    faults = FaultShares(schema_invalid=0.5, malformed_content=0.5)
    with LoopbackServer(faults=faults) as server:
        with httpx.Client(base_url=server.base_url) as client:
            text = client.post("/chat/completions", json=_body()).json()
            structured = client.post("/chat/completions", json=_body(response_format=_STRUCTURED))
        stats = server.stats()
    assert text["choices"][0]["finish_reason"] == "stop"
    assert _classify(structured) in ("schema_invalid", "malformed_content")
    assert stats.outcomes["ok"] == 1
    assert stats.outcomes["schema_invalid"] + stats.outcomes["malformed_content"] == 1
