"""Import the session engine's heavy modules on a worker thread, before the first session needs them.

Importing litellm and langgraph takes seconds; done on the UI loop it would freeze the screen.
"""

from __future__ import annotations

import importlib

HEAVY_MODULES = (
    "protocols",
    "personas",
    "simulator.session.summary",
    "simulator.session.setup",
    "simulator.session.service",
    "simulator.judges",
    "simulator.models.gateway",
    "langgraph.checkpoint.sqlite.aio",
    "aiosqlite",
    # What litellm loads on its first remote call (the OpenAI client, tokenizer, proxy types)
    "openai.resources",
    "anyio._backends._asyncio",
    "litellm.litellm_core_utils.default_encoding",
    "litellm.proxy._types",
    "litellm._service_logger",
)


def warm_up() -> None:
    from simulator.models._litellm import litellm

    litellm()  # first: it sets litellm's offline switches before anything imports litellm
    for name in HEAVY_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional part (the judges, a litellm internal) is missing
            pass
