"""LoopbackProcess runs the same server in a child process, read over HTTP."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from simulator.testing import FaultShares, LoopbackConfig, LoopbackProcess, LoopbackServer

_BODY = {"model": "fake", "messages": [{"role": "user", "content": "hello"}]}


def test_child_process_serves_counts_and_resets() -> None:
    config = LoopbackConfig(seed=5, faults=FaultShares(server_error=0.5), model_ids=["m1", "m2"])
    with LoopbackProcess(config) as server:
        assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
        models = httpx.get(f"{server.base_url}/models").json()
        assert [m["id"] for m in models["data"]] == ["m1", "m2"]
        with httpx.Client(base_url=server.base_url) as client:
            codes = [client.post("/chat/completions", json=_BODY).status_code for _ in range(20)]
        stats = server.stats()
        assert stats.requests == 20
        assert stats.outcomes["500"] == codes.count(500) > 0
        assert stats.outcomes["ok"] == codes.count(200) > 0
        server.reset_stats()
        assert server.stats().requests == 0
        url = server.base_url
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/models")


def test_child_and_thread_with_the_same_seed_fail_the_same_requests() -> None:
    config = LoopbackConfig(seed=8, faults=FaultShares(rate_limit=0.4))

    def codes(server: LoopbackServer | LoopbackProcess) -> list[int]:
        with server, httpx.Client(base_url=server.base_url) as client:
            return [client.post("/chat/completions", json=_BODY).status_code for _ in range(15)]

    assert codes(LoopbackProcess(config)) == codes(LoopbackServer(config))


def test_thread_server_reset_stats() -> None:
    with LoopbackServer() as server:
        httpx.post(f"{server.base_url}/chat/completions", json=_BODY)
        assert server.stats().requests == 1
        server.reset_stats()
        assert server.stats().requests == 0
        assert httpx.post(f"{server.url}/stats/reset").json()["requests"] == 0


def test_config_json_errors_name_the_field() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator.testing.loopback_server",
            "--config-json",
            '{"faults": {"hang": 2}}',
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "error: --config-json: faults.hang: Input should be less than or equal to 1" in (
        result.stderr
    )
