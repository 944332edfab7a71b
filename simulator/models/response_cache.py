"""An opt-in cache of remote model responses, owned by patientsim rather than by litellm.

A re-run of an identical sweep then calls no remote model. The key is a hash of everything
that decides a reply: model, endpoint, messages, sampling parameters, output schema and
seed (never the API key). Where entries are kept is the caller's choice: a sweep keeps them
in its runs DB (`simulator.store.response_cache`). In-process models (`local/`,
`scripted/`) are never cached: they cost nothing.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from simulator.models.context_slot import holding


@dataclass(frozen=True)
class CachedResponse:
    text: str
    prompt_tokens: int
    completion_tokens: int


class ResponseCache(Protocol):
    def get(self, key: str) -> CachedResponse | None: ...

    def put(self, key: str, model: str, response: CachedResponse) -> None: ...


# The parts of a request that decide its reply; api_key and transport options are not.
KEYED_PARAMETERS = (
    "model",
    "api_base",
    "messages",
    "max_tokens",
    "temperature",
    "seed",
    "response_format",
)


def cache_key(request: dict) -> str:
    """A stable hash of a litellm request's deciding parts."""
    keyed = {name: request.get(name) for name in KEYED_PARAMETERS}
    encoded = json.dumps(keyed, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


_active: contextvars.ContextVar[ResponseCache | None] = contextvars.ContextVar(
    "patientsim_response_cache", default=None
)


def active_cache() -> ResponseCache | None:
    return _active.get()


def caching_responses(cache: ResponseCache) -> AbstractContextManager[ResponseCache]:
    """Serve and store remote responses through `cache` for calls made in this context."""
    return holding(_active, cache)
