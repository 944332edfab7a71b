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
)


def warm_up() -> None:
    for name in HEAVY_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional part (the judges) missing: the session will say so
            pass
    from simulator.models._litellm import litellm

    litellm()
