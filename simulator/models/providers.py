"""The in-process providers by name: one instance each, made on first use (the embedded
model's module loads llama.cpp bindings only when it is asked for)."""

from __future__ import annotations

from functools import cache

from simulator.models.inprocess import InProcessProvider

IN_PROCESS_PROVIDERS = ("local", "scripted")


def runs_in_process(model: str) -> bool:
    """Whether a model string is served in this process (never through litellm)."""
    return model.split("/", 1)[0] in IN_PROCESS_PROVIDERS


@cache
def handler_for(provider: str) -> InProcessProvider:
    """The one instance of an in-process provider (`local` or `scripted`)."""
    if provider == "local":
        from simulator.models.local.provider import LocalProvider

        return LocalProvider()
    if provider == "scripted":
        from simulator.models.scripted.provider import ScriptedProvider

        return ScriptedProvider()
    raise KeyError(provider)
