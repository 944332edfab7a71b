"""Configuration is validated up front, and the server never binds beyond loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from simulator.testing import (
    FaultShares,
    FixedLatency,
    LoopbackConfig,
    LoopbackServer,
    UniformLatency,
)
from simulator.testing.loopback_server import main

_ROOT = Path(__file__).resolve().parents[3]
_MODULE = "simulator.testing.loopback_server"


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "localhost", ""])
def test_non_loopback_hosts_are_refused(host: str) -> None:
    with pytest.raises(ValidationError, match="binds only to 127.0.0.1"):
        LoopbackConfig(host=host)
    with pytest.raises(ValidationError, match="refused"):
        LoopbackServer(host=host)


def test_shares_must_be_between_0_and_1_and_sum_to_at_most_1() -> None:
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        FaultShares(rate_limit=1.5)
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        FaultShares(hang=-0.1)
    with pytest.raises(ValidationError, match="sum to 1.2"):
        FaultShares(rate_limit=0.6, server_error=0.6)
    assert FaultShares(rate_limit=0.5, server_error=0.5).rate_limit == 0.5


def test_latency_forms() -> None:
    assert LoopbackConfig(latency=0.2).latency == FixedLatency(seconds=0.2)
    uniform = LoopbackConfig(latency={"kind": "uniform", "low": 0.1, "high": 0.3}).latency
    assert isinstance(uniform, UniformLatency)
    with pytest.raises(ValidationError, match="must be >= low"):
        UniformLatency(low=0.3, high=0.1)
    with pytest.raises(ValidationError):
        LoopbackConfig(latency=-1)


def test_unknown_settings_are_refused() -> None:
    with pytest.raises(ValidationError, match="latencyy"):
        LoopbackConfig.model_validate({"latencyy": 1})


def test_port_in_use_is_reported_when_starting() -> None:
    with LoopbackServer() as first:
        with pytest.raises(OSError):
            LoopbackServer(port=first.port).start()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--fail-429", "1.5"], "error: --fail-429: Input should be less than or equal to 1"),
        (["--fail-429", "0.7", "--fail-500", "0.7"], "error: fault shares"),
        (["--host", "0.0.0.0"], "error: --host: host '0.0.0.0' refused"),
        (
            ["--latency-uniform", "0.5", "0.1"],
            "error: --latency-uniform: high (0.1) must be >= low",
        ),
        (["--latency", "soon"], "error: argument --latency: invalid float value"),
    ],
)
def test_cli_bad_values_print_error_lines_and_exit_2(
    args: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(args)
    except SystemExit as exit_:  # argparse's own refusals
        code = exit_.code
    assert code == 2
    stderr = capsys.readouterr().err
    assert expected in stderr
    assert "Traceback" not in stderr


def test_cli_prints_its_url_serves_and_stops_on_sigint() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", _MODULE, "--latency", "0", "--seed", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=_ROOT,
        env={**os.environ, "PYTHONWARNINGS": "error::RuntimeWarning"},
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        response = httpx.post(
            f"{base_url}/chat/completions",
            json={"model": "fake", "messages": [{"role": "user", "content": "hi"}]},
        )
        assert response.status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert '"ok":1' in stderr
    assert "Traceback" not in stderr


def test_cli_port_in_use_is_an_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    with LoopbackServer() as first:
        assert main(["--port", str(first.port)]) == 2
    assert f"error: --port {first.port}: cannot listen on 127.0.0.1" in capsys.readouterr().err
