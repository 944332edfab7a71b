"""Import the session engine's heavy modules off the UI loop, before the first session needs them.

Importing langgraph and the engine takes a second or more; done on the UI loop it would
freeze the screen. The app starts it on a daemon thread (not a Textual worker, whose thread
pool is joined at exit): quitting never waits for an import. litellm is loaded only for a
session that calls a remote model, since in-process models never touch it.
"""

from __future__ import annotations

import importlib
import threading

ENGINE_MODULES = (
    "protocols",
    "personas",
    "simulator.session.setup",
    "simulator.judges",
    "simulator.usecases.summary",
    "simulator.usecases.run_and_judge",
    "simulator.models.gateway",
    "langgraph.checkpoint.sqlite.aio",
    "aiosqlite",
)
# What litellm loads on its first remote call (the OpenAI client, tokenizer, proxy types)
REMOTE_MODULES = (
    "openai.resources",
    "anyio._backends._asyncio",
    "litellm.litellm_core_utils.default_encoding",
    "litellm.proxy._types",
    "litellm._service_logger",
)


def warm_up(*, remote: bool = False) -> None:
    """Import the engine; with `remote`, litellm and what its first remote call loads too."""
    if remote:
        from simulator.models._litellm import litellm

        litellm()  # first: it sets litellm's offline switches before anything imports litellm
    for name in ENGINE_MODULES + (REMOTE_MODULES if remote else ()):
        importlib.import_module(name)


def start_background_warm_up() -> threading.Thread:
    """Warm the engine up on a daemon thread; an import still running at exit is abandoned."""
    thread = threading.Thread(target=_quiet_warm_up, name="patientsim-warm-up", daemon=True)
    thread.start()
    return thread


def _quiet_warm_up() -> None:
    try:
        warm_up()
    except Exception:  # noqa: BLE001 - a session that needs the module reports the failure itself
        pass
