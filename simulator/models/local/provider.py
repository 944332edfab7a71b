"""In-process provider `local/...`: the embedded GGUF through llama.cpp."""

from __future__ import annotations

from collections.abc import Callable

from simulator.models.call_context import CallContext
from simulator.models.errors import ModelConfigError
from simulator.models.inprocess import InProcessProvider
from simulator.models.local import engine, transcript

DEFAULT_MAX_TOKENS = 96
DEFAULT_JSON_MAX_TOKENS = 320
DEFAULT_TEMPERATURE = 0.7


class LocalProvider(InProcessProvider):
    def generate(
        self,
        model: str,
        messages: list[dict],
        call: CallContext,
        params: dict,
        on_text: Callable[[str], None] | None,
    ) -> engine.Generation:
        if model != engine.MODEL_ID:
            raise ModelConfigError(
                call.role, f"local/{model}", f"the embedded model is local/{engine.MODEL_ID}"
            )
        json_schema = call.json_schema
        next_label = call.context.get("speaker")
        prompt = transcript.render(
            messages, next_label=next_label, json_output=json_schema is not None
        )
        default_max = DEFAULT_JSON_MAX_TOKENS if json_schema else DEFAULT_MAX_TOKENS
        generation = engine.generate(
            call.role,
            prompt,
            max_tokens=int(params.get("max_tokens") or default_max),
            stop=transcript.stop_sequences(messages, next_label),
            seed=params.get("seed", call.seed),
            temperature=float(params.get("temperature", DEFAULT_TEMPERATURE)),
            json_schema=json_schema,
            on_text=on_text,
        )
        generation.text = generation.text.strip() if json_schema is None else generation.text
        return generation
