"""The loopback model server in a child process, for benchmarks.

A server thread shares the GIL with the code under test; at thousands of requests per
second that skews a concurrency benchmark. A child process does not.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from simulator.testing.loopback_config import LoopbackConfig
from simulator.testing.loopback_stats import ServerStats

_STOP_TIMEOUT_S = 10.0
# The project root, so the child imports this same code even when it is not installed.
_PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Loopback traffic never goes through an HTTP proxy set in the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class LoopbackProcess:
    """Same surface as LoopbackServer (base_url, stats(), reset_stats(), stop()), but the
    server runs in `python -m simulator.testing.loopback_server` and is read over HTTP."""

    def __init__(self, config: LoopbackConfig | None = None, **settings: Any) -> None:
        if settings:
            base = config.model_dump() if config is not None else {}
            config = LoopbackConfig.model_validate({**base, **settings})
        self.config = config or LoopbackConfig()
        self._process: subprocess.Popen[str] | None = None
        self._base_url = ""

    def start(self) -> Self:
        if self._process is not None:
            return self
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            part for part in (str(_PROJECT_ROOT), env.get("PYTHONPATH", "")) if part
        )
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "simulator.testing.loopback_server",
                "--config-json",
                self.config.model_dump_json(),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline().strip()
        if not line.startswith("http://"):
            _, stderr = self._process.communicate(timeout=_STOP_TIMEOUT_S)
            self._process = None
            raise RuntimeError(f"the loopback server process did not start: {stderr.strip()}")
        self._base_url = line
        return self

    def stop(self) -> None:
        """Stop the child (SIGINT, then SIGKILL if it lingers). Idempotent."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.communicate(timeout=_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
        else:
            process.communicate()

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
    def base_url(self) -> str:
        """OpenAI-style base URL to hand to clients, e.g. http://127.0.0.1:8199/v1."""
        if not self._base_url:
            raise RuntimeError("the loopback server process is not started")
        return self._base_url

    @property
    def url(self) -> str:
        """Root URL, e.g. http://127.0.0.1:8199 (GET /stats lives here)."""
        return self.base_url.removesuffix("/v1")

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def stats(self) -> ServerStats:
        return ServerStats.model_validate(self._call("GET", "/stats"))

    def reset_stats(self) -> None:
        self._call("POST", "/stats/reset")

    def _call(self, method: str, path: str) -> Any:
        request = urllib.request.Request(
            f"{self.url}{path}", method=method, data=b"" if method == "POST" else None
        )
        with _DIRECT.open(request, timeout=_STOP_TIMEOUT_S) as response:
            return json.loads(response.read())
