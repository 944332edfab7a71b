"""The embedded model for real: through the gateway, and through llama.cpp's OpenAI-compatible server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from pydantic import BaseModel

from simulator.models import MemorySink, recording_to
from simulator.models.gateway import complete

pytestmark = [pytest.mark.embedded, pytest.mark.asyncio]
pytest.importorskip("llama_cpp", reason="the embedded model needs the `local` extra")

TRANSCRIPT = [
    {"role": "system", "content": "A therapy session. The therapist is warm and brief."},
    {
        "role": "user",
        "name": "Patient",
        "content": "I keep avoiding the road where the crash happened.",
    },
]


class Rating(BaseModel):
    suds: int
    feeling: str


async def test_embedded_model_answers_text_and_schema(loopback_only):
    sink = MemorySink()
    with recording_to(sink):
        text = await complete(
            "therapist",
            TRANSCRIPT,
            model="local/gemma-3-270m",
            seed=1,
            max_tokens=40,
            context={"speaker": "Therapist"},
        )
        rating = await complete(
            "patient", TRANSCRIPT, model="local/gemma-3-270m", seed=1, schema=Rating
        )
    assert text.strip() and "\n\n" not in text
    assert isinstance(rating, Rating)
    assert all(r.ok and r.prompt_tokens > 0 and r.completion_tokens > 0 for r in sink.records)
    assert loopback_only == [], "the embedded model must not open a network connection"


async def test_same_seed_same_text():
    first = await complete(
        "therapist", TRANSCRIPT, model="local/gemma-3-270m", seed=7, max_tokens=24
    )
    second = await complete(
        "therapist", TRANSCRIPT, model="local/gemma-3-270m", seed=7, max_tokens=24
    )
    assert first == second


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_llama_cpp_server_through_the_gateway(monkeypatch):
    """The path users take with vLLM, Ollama or a deployed chatbot: openai/... with an api_base."""
    from simulator.models.config import ModelSpec
    from simulator.models.local.engine import model_path

    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model_path()),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "1024",
            "--model_alias",
            "gemma",
            # a base model has no chat template of its own; alpaca's plain one makes it answer
            "--chat_format",
            "alpaca",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{base}/models", timeout=1)
                break
            except OSError:
                time.sleep(0.3)
        monkeypatch.setenv("PATIENTSIM_TEST_KEY", "sk-local")
        spec = ModelSpec("openai/gemma", api_base=base, api_key_env="PATIENTSIM_TEST_KEY")
        text = await complete(
            "therapist",
            [{"role": "user", "content": "Say hello."}],
            model=spec,
            max_tokens=16,
            seed=1,
        )
        assert isinstance(text, str) and text.strip()
    finally:
        server.terminate()
        server.wait(timeout=10)
