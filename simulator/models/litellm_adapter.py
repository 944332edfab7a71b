"""The in-process providers as litellm custom providers, so `litellm.completion(model=
"local/gemma-3-270m")` works for anyone using litellm directly. patientsim's own gateway
calls the providers without litellm (see `inprocess.py`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from litellm import CustomLLM, ModelResponse, Usage

from simulator.models.inprocess import InProcessProvider, model_name
from simulator.models.local.engine import Generation
from simulator.models.providers import handler_for


class LiteLLMAdapter(CustomLLM):
    def __init__(self, provider: InProcessProvider):
        super().__init__()
        self.provider = provider

    def completion(
        self, model, messages, *args, optional_params=None, model_response=None, **kwargs
    ) -> ModelResponse:
        provider = self.provider
        generation = provider.generate(
            model_name(model), messages, provider.current_call(), optional_params or {}, None
        )
        return _response(model, generation)

    async def acompletion(
        self, model, messages, *args, optional_params=None, model_response=None, **kwargs
    ) -> ModelResponse:
        generation = await self.provider.agenerate(model, messages, optional_params or {})
        return _response(model, generation)

    async def astreaming(
        self, model, messages, *args, optional_params=None, **kwargs
    ) -> AsyncIterator[dict]:
        async for item in self.provider.astream(model, messages, optional_params or {}):
            if isinstance(item, Generation):
                yield _final_chunk(item)
            else:
                yield {
                    "text": item,
                    "is_finished": False,
                    "finish_reason": "",
                    "usage": None,
                    "index": 0,
                }


def adapters() -> list[dict]:
    """Entries for `litellm.custom_provider_map`."""
    return [
        {"provider": name, "custom_handler": LiteLLMAdapter(handler_for(name))}
        for name in ("local", "scripted")
    ]


def _usage(generation: Generation) -> dict:
    return {
        "prompt_tokens": generation.prompt_tokens,
        "completion_tokens": generation.completion_tokens,
        "total_tokens": generation.prompt_tokens + generation.completion_tokens,
    }


def _final_chunk(generation: Generation) -> dict:
    return {
        "text": "",
        "is_finished": True,
        "finish_reason": "stop",
        "index": 0,
        "usage": _usage(generation),
    }


def _response(model: str, generation: Generation) -> ModelResponse:
    return ModelResponse(
        model=model,
        choices=[
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": generation.text},
            }
        ],
        usage=Usage(**_usage(generation)),
    )
