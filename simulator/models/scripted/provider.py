"""In-process provider `scripted/<name>`: dispatches to the behaviours in `behaviours.py`."""

from __future__ import annotations

from collections.abc import Callable

from simulator.models.call_context import CallContext
from simulator.models.errors import ModelConfigError
from simulator.models.inprocess import InProcessProvider
from simulator.models.local.engine import Generation
from simulator.models.scripted.behaviours import BEHAVIOURS, Request


class ScriptedProvider(InProcessProvider):
    blocking = False  # instant: no worker thread needed

    def generate(
        self,
        model: str,
        messages: list[dict],
        call: CallContext,
        params: dict,
        on_text: Callable[[str], None] | None,
    ) -> Generation:
        behaviour = BEHAVIOURS.get(model)
        if behaviour is None:
            raise ModelConfigError(
                call.role,
                f"scripted/{model}",
                f"no such scripted model; choose one of: {', '.join(sorted(BEHAVIOURS))}",
            )
        request = Request(
            model, messages, params.get("seed", call.seed), call.json_schema, call.context
        )
        text = behaviour(request)
        if on_text is not None:
            for word in text.split(" "):
                on_text(word + " ")
        prompt_chars = sum(len(str(m.get("content") or "")) for m in messages)
        return Generation(
            text=text, prompt_tokens=prompt_chars // 4, completion_tokens=max(1, len(text) // 4)
        )
