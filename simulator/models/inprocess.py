"""Shared plumbing for providers that run inside this process (the embedded model, scripted doubles).

Subclasses implement one blocking `generate()`; this base turns it into litellm's
completion, acompletion and astreaming (the blocking work runs on a worker thread so the
event loop, and a UI on it, stays responsive).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable

from litellm import CustomLLM, ModelResponse, Usage

from simulator.models.call_context import CallContext, current_call
from simulator.models.local.engine import Generation


class InProcessLLM(CustomLLM):
    # Whether generate() blocks for long (real inference): then it runs on a worker thread.
    blocking = True

    def generate(
        self,
        model: str,
        messages: list[dict],
        call: CallContext,
        params: dict,
        on_text: Callable[[str], None] | None,
    ) -> Generation:
        raise NotImplementedError

    def _call(self) -> CallContext:
        return current_call.get() or CallContext(role="adhoc")

    def completion(
        self, model, messages, *args, optional_params=None, model_response=None, **kwargs
    ) -> ModelResponse:
        generation = self.generate(
            _name(model), messages, self._call(), optional_params or {}, None
        )
        return _response(model, generation)

    async def acompletion(
        self, model, messages, *args, optional_params=None, model_response=None, **kwargs
    ) -> ModelResponse:
        call = self._call()
        if not self.blocking:
            return _response(
                model, self.generate(_name(model), messages, call, optional_params or {}, None)
            )
        generation = await asyncio.to_thread(
            self.generate, _name(model), messages, call, optional_params or {}, None
        )
        return _response(model, generation)

    async def astreaming(
        self, model, messages, *args, optional_params=None, **kwargs
    ) -> AsyncIterator[dict]:
        call = self._call()
        if not self.blocking:
            pieces: list[str] = []
            generation = self.generate(
                _name(model), messages, call, optional_params or {}, pieces.append
            )
            for piece in pieces:
                yield _chunk(piece)
            yield _final_chunk(generation)
            return
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        done = object()
        outcome: dict = {}

        def work() -> None:
            try:
                outcome["generation"] = self.generate(
                    _name(model),
                    messages,
                    call,
                    optional_params or {},
                    lambda piece: loop.call_soon_threadsafe(queue.put_nowait, piece),
                )
            except BaseException as exc:  # noqa: BLE001 - re-raised on the event loop below
                outcome["error"] = exc
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, done)

        threading.Thread(target=work, name=f"patientsim-{call.role}", daemon=True).start()
        while (piece := await queue.get()) is not done:
            yield _chunk(piece)
        if "error" in outcome:
            raise outcome["error"]
        yield _final_chunk(outcome["generation"])


def _chunk(piece: str) -> dict:
    return {"text": piece, "is_finished": False, "finish_reason": "", "usage": None, "index": 0}


def _final_chunk(generation: Generation) -> dict:
    return {
        "text": "",
        "is_finished": True,
        "finish_reason": "stop",
        "index": 0,
        "usage": {
            "prompt_tokens": generation.prompt_tokens,
            "completion_tokens": generation.completion_tokens,
            "total_tokens": generation.prompt_tokens + generation.completion_tokens,
        },
    }


def _name(model: str) -> str:
    return model.split("/", 1)[1] if "/" in model else model


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
        usage=Usage(
            prompt_tokens=generation.prompt_tokens,
            completion_tokens=generation.completion_tokens,
            total_tokens=generation.prompt_tokens + generation.completion_tokens,
        ),
    )


def handler_for(provider: str) -> InProcessLLM:
    """The registered handler for an in-process provider (`local` or `scripted`)."""
    from simulator.models._litellm import litellm

    for entry in litellm().custom_provider_map:
        if entry["provider"] == provider:
            return entry["custom_handler"]
    raise KeyError(provider)
