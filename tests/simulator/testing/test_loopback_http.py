"""The loopback server speaks OpenAI chat completions over plain HTTP/1.1."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import jsonschema
import pytest
from pydantic import BaseModel, Field

from simulator.testing import AsyncLoopbackServer, LoopbackConfig, LoopbackServer


class Verdict(BaseModel):
    score: int = Field(ge=1, le=6, description="Rating.")
    reason: str = Field(min_length=3, description="Why.")
    flagged: bool | None = Field(None, description="Raised a concern.")


def _body(content: str = "How are you today?", **extra: Any) -> dict[str, Any]:
    return {"model": "fake", "messages": [{"role": "user", "content": content}], **extra}


def _sse_events(text: str) -> list[str]:
    return [line.removeprefix("data: ") for line in text.split("\n\n") if line.startswith("data: ")]


def test_non_streaming_reply_has_content_and_usage(server: LoopbackServer) -> None:
    prompt = "x" * 400
    response = httpx.post(f"{server.base_url}/chat/completions", json=_body(prompt))
    assert response.status_code == 200
    data = response.json()
    assert data["object"] == "chat.completion"
    assert data["model"] == "fake"
    choice = data["choices"][0]
    assert choice["message"]["role"] == "assistant"
    assert len(choice["message"]["content"].split()) == 12
    assert choice["finish_reason"] == "stop"
    usage = data["usage"]
    assert usage["prompt_tokens"] == 100
    assert usage["completion_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_streaming_deltas_rebuild_the_same_reply_and_end_with_usage_and_done(
    server: LoopbackServer,
) -> None:
    url = f"{server.base_url}/chat/completions"
    whole = httpx.post(url, json=_body(seed=5)).json()["choices"][0]["message"]["content"]
    streamed = httpx.post(
        url, json=_body(seed=5, stream=True, stream_options={"include_usage": True})
    )
    assert streamed.headers["content-type"].startswith("text/event-stream")
    events = _sse_events(streamed.text)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    deltas = [c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"]]
    assert "".join(deltas) == whole
    assert len(deltas) > 3
    finishing = [c for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
    assert [c["choices"][0]["finish_reason"] for c in finishing] == ["stop"]
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] > 0


def test_streaming_without_include_usage_sends_no_usage(server: LoopbackServer) -> None:
    response = httpx.post(f"{server.base_url}/chat/completions", json=_body(stream=True))
    chunks = [json.loads(event) for event in _sse_events(response.text)[:-1]]
    assert all("usage" not in chunk for chunk in chunks)


def test_reply_is_deterministic_per_seed_and_last_message(server: LoopbackServer) -> None:
    url = f"{server.base_url}/chat/completions"

    def content(**body: Any) -> str:
        return httpx.post(url, json=body).json()["choices"][0]["message"]["content"]

    assert content(**_body("a", seed=1)) == content(**_body("a", seed=1))
    assert content(**_body("a", seed=1)) != content(**_body("a", seed=2))
    assert content(**_body("a", seed=1)) != content(**_body("b", seed=1))


def test_reply_length_is_configurable_and_max_tokens_truncates() -> None:
    with LoopbackServer(reply_words=40) as server:
        url = f"{server.base_url}/chat/completions"
        long = httpx.post(url, json=_body()).json()["choices"][0]
        assert len(long["message"]["content"].split()) == 40
        short = httpx.post(url, json=_body(max_tokens=3)).json()["choices"][0]
        assert short["finish_reason"] == "length"
        assert len(short["message"]["content"]) <= 12


@pytest.mark.parametrize(
    "response_format",
    [
        {
            "type": "json_schema",
            "json_schema": {"name": "Verdict", "schema": Verdict.model_json_schema()},
        },
        {"type": "json_object", "schema": Verdict.model_json_schema()},
    ],
)
@pytest.mark.parametrize("stream", [False, True])
def test_structured_replies_validate_against_the_requested_schema(
    server: LoopbackServer, response_format: dict[str, Any], stream: bool
) -> None:
    response = httpx.post(
        f"{server.base_url}/chat/completions",
        json=_body(response_format=response_format, stream=stream),
    )
    if stream:
        chunks = [json.loads(event) for event in _sse_events(response.text)[:-1]]
        content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    else:
        content = response.json()["choices"][0]["message"]["content"]
    Verdict.model_validate_json(content)
    jsonschema.validate(json.loads(content), Verdict.model_json_schema())


def test_json_object_without_schema_returns_a_json_object(server: LoopbackServer) -> None:
    response = httpx.post(
        f"{server.base_url}/chat/completions", json=_body(response_format={"type": "json_object"})
    )
    assert isinstance(json.loads(response.json()["choices"][0]["message"]["content"]), dict)


def test_models_stats_and_health_endpoints(server: LoopbackServer) -> None:
    models = httpx.get(f"{server.base_url}/models").json()
    assert [m["id"] for m in models["data"]] == ["fake"]
    httpx.post(f"{server.base_url}/chat/completions", json=_body())
    stats = httpx.get(f"{server.url}/stats").json()
    assert stats["requests"] == 1
    assert stats["outcomes"]["ok"] == 1
    assert server.stats().outcomes["ok"] == 1
    assert httpx.get(f"{server.url}/health").json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "not JSON"),
        (b'{"model": "fake"}', "messages"),
        (b'{"messages": [{"role": "user"}], "response_format": {"type": "xml"}}', "xml"),
    ],
)
def test_bad_requests_get_400_with_an_openai_error(
    server: LoopbackServer, body: bytes, fragment: str
) -> None:
    response = httpx.post(f"{server.base_url}/chat/completions", content=body)
    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]
    assert server.stats().outcomes["bad_request"] == 1


def test_unknown_route_and_wrong_method(server: LoopbackServer) -> None:
    assert httpx.get(f"{server.base_url}/embeddings").status_code == 404
    assert httpx.get(f"{server.base_url}/chat/completions").status_code == 405


def test_keep_alive_serves_many_requests_on_one_connection(server: LoopbackServer) -> None:
    with httpx.Client(base_url=server.base_url) as client:
        for _ in range(20):
            assert client.post("/chat/completions", json=_body()).status_code == 200
    assert server.stats().connections == 1


async def test_async_variant_runs_on_the_current_loop() -> None:
    async with AsyncLoopbackServer(LoopbackConfig(seed=2)) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            responses = [await client.post("/chat/completions", json=_body()) for _ in range(3)]
        assert [r.status_code for r in responses] == [200, 200, 200]
        assert server.stats().outcomes["ok"] == 3


def test_stop_is_idempotent_and_frees_the_port() -> None:
    server = LoopbackServer().start()
    url = server.base_url
    server.stop()
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/models")


def test_stop_with_idle_keep_alive_connections_logs_no_errors(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = LoopbackServer().start()
    client = httpx.Client(base_url=server.base_url)
    try:
        for _ in range(3):
            client.post("/chat/completions", json=_body())
        server.stop()
    finally:
        client.close()
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
