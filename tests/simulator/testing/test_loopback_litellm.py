"""litellm talks to the loopback server exactly as to any OpenAI-compatible endpoint."""

from __future__ import annotations

import os

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # before litellm is imported: no fetch

import litellm
import pytest
from pydantic import BaseModel, Field

from simulator.testing import FaultShares, LoopbackServer

_MESSAGES = [{"role": "user", "content": "How was your week?"}]


class Rating(BaseModel):
    score: int = Field(ge=1, le=6, description="Rating.")
    rationale: str = Field(min_length=4, description="Why.")


async def test_acompletion_returns_content_and_usage(server: LoopbackServer) -> None:
    response = await litellm.acompletion(
        model="openai/fake", api_base=server.base_url, api_key="sk-test", messages=_MESSAGES
    )
    assert response.choices[0].message.content
    assert response.usage.completion_tokens > 0
    assert server.stats().outcomes["ok"] == 1


async def test_streaming_acompletion_yields_the_reply(server: LoopbackServer) -> None:
    stream = await litellm.acompletion(
        model="openai/fake",
        api_base=server.base_url,
        api_key="sk-test",
        messages=_MESSAGES,
        stream=True,
        seed=4,
    )
    pieces = [chunk.choices[0].delta.content or "" async for chunk in stream]
    whole = await litellm.acompletion(
        model="openai/fake",
        api_base=server.base_url,
        api_key="sk-test",
        messages=_MESSAGES,
        seed=4,
    )
    assert "".join(pieces) == whole.choices[0].message.content


async def test_pydantic_response_format_yields_a_valid_instance(server: LoopbackServer) -> None:
    response = await litellm.acompletion(
        model="openai/fake",
        api_base=server.base_url,
        api_key="sk-test",
        messages=_MESSAGES,
        response_format=Rating,
    )
    rating = Rating.model_validate_json(response.choices[0].message.content)
    assert 1 <= rating.score <= 6


async def test_injected_429_surfaces_as_a_rate_limit_error() -> None:
    with LoopbackServer(faults=FaultShares(rate_limit=1)) as server:
        with pytest.raises(litellm.RateLimitError):
            await litellm.acompletion(
                model="openai/fake",
                api_base=server.base_url,
                api_key="sk-test",
                messages=_MESSAGES,
                num_retries=0,
                max_retries=0,
            )
