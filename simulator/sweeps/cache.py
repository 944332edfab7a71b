"""Opt-in litellm disk cache, so that re-running an identical sweep calls no remote model.

Only requests that go through litellm are cached: remote providers (openai, anthropic,
hosted_vllm, ...). The in-process providers (local/ and scripted/) bypass litellm and are
never cached -- they cost nothing anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def cache_dir_for(db_path: Path) -> Path:
    """The cache lives beside the runs DB (runs/cache for the default runs/patientsim.db)."""
    return Path(db_path).parent / "cache"


@contextmanager
def disk_cache(directory: Path) -> Iterator[Path]:
    """Turn the litellm disk cache on in `directory` for the duration of the block."""
    from litellm.caching.caching import Cache

    from simulator.models._litellm import litellm

    ll = litellm()
    directory.mkdir(parents=True, exist_ok=True)
    previous = ll.cache
    ll.cache = Cache(type="disk", disk_cache_dir=str(directory))
    try:
        yield directory
    finally:
        ll.cache = previous
