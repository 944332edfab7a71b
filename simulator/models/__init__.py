"""The model gateway: every model call in patientsim goes through `complete()`.

Model strings are litellm's (`openai/gpt-4o-mini`, `anthropic/...`, `ollama/llama3.1`,
`hosted_vllm/...` with an api_base), plus two in-process providers: `local/gemma-3-270m`
(the embedded offline model) and `scripted/<name>` (deterministic test doubles).
"""

from simulator.models.config import DEFAULT_MODEL, ROLES, ModelSettings, ModelSpec, load_settings
from simulator.models.errors import ModelConfigError, ModelError, ModelOutputError
from simulator.models.usage import CallRecord, MemorySink, recording_to


async def complete(*args, **kwargs):
    """See `simulator.models.gateway.complete` (imported lazily: it loads litellm)."""
    from simulator.models.gateway import complete as _complete

    return await _complete(*args, **kwargs)


def configure(settings: ModelSettings) -> None:
    from simulator.models.gateway import configure as _configure

    _configure(settings)


__all__ = [
    "DEFAULT_MODEL",
    "ROLES",
    "CallRecord",
    "MemorySink",
    "ModelConfigError",
    "ModelError",
    "ModelOutputError",
    "ModelSettings",
    "ModelSpec",
    "complete",
    "configure",
    "load_settings",
    "recording_to",
]
