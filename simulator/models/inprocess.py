"""Providers that run inside this process: the embedded model (`local/`) and scripted doubles.

Subclasses implement one blocking `generate()`; this base gives it the async forms the
gateway calls (the blocking work runs on a worker thread so the event loop, and a UI on it,
stays responsive). Nothing here imports litellm: a session on in-process models never pays
its seconds of import. `providers.py` holds one instance of each; `litellm_adapter.py`
exposes them to litellm itself.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable

from simulator.models.call_context import CallContext, current_call
from simulator.models.local.engine import Generation


class InProcessProvider:
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

    def current_call(self) -> CallContext:
        return current_call.get() or CallContext(role="adhoc")

    async def agenerate(self, model: str, messages: list[dict], params: dict) -> Generation:
        """The whole reply. `model` is the full string (`scripted/adherent`)."""
        call = self.current_call()
        if not self.blocking:
            return self.generate(model_name(model), messages, call, params, None)
        return await asyncio.to_thread(
            self.generate, model_name(model), messages, call, params, None
        )

    async def astream(
        self, model: str, messages: list[dict], params: dict
    ) -> AsyncIterator[str | Generation]:
        """Text pieces as they are generated, then the finished `Generation`."""
        call = self.current_call()
        if not self.blocking:
            pieces: list[str] = []
            generation = self.generate(model_name(model), messages, call, params, pieces.append)
            for piece in pieces:
                yield piece
            yield generation
            return
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        done = object()
        outcome: dict = {}

        def work() -> None:
            try:
                outcome["generation"] = self.generate(
                    model_name(model),
                    messages,
                    call,
                    params,
                    lambda piece: loop.call_soon_threadsafe(queue.put_nowait, piece),
                )
            except BaseException as exc:  # noqa: BLE001 - re-raised on the event loop below
                outcome["error"] = exc
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, done)

        threading.Thread(target=work, name=f"patientsim-{call.role}", daemon=True).start()
        while (piece := await queue.get()) is not done:
            yield piece
        if "error" in outcome:
            raise outcome["error"]
        yield outcome["generation"]


def model_name(model: str) -> str:
    """`adherent` for `scripted/adherent`."""
    return model.split("/", 1)[1] if "/" in model else model
