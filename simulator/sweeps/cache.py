"""Opt-in litellm disk cache, so that re-running an identical sweep calls no remote model.

Only requests that go through litellm are cached: remote providers (openai, anthropic,
hosted_vllm, ...). The in-process providers (local/ and scripted/) bypass litellm and are
never cached -- they cost nothing anyway. Sweep sessions do not stream (nobody watches them
live), which also keeps them clear of litellm's streaming cache-hit path.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _placeholder_soundfile() -> None:
    """litellm imports its proxy's audio logging (which needs `soundfile`) on every cache hit,
    even for chat completions. Without soundfile installed each hit would fail; a placeholder
    module lets the import succeed. Chat completions never touch audio."""
    if "soundfile" in sys.modules or importlib.util.find_spec("soundfile") is not None:
        return
    placeholder = types.ModuleType("soundfile")
    placeholder.__doc__ = "placeholder: soundfile is not installed (audio is never used here)"
    sys.modules["soundfile"] = placeholder


def cache_dir_for(db_path: Path) -> Path:
    """The cache lives beside the runs DB (runs/cache for the default runs/patientsim.db)."""
    return Path(db_path).parent / "cache"


@contextmanager
def disk_cache(directory: Path) -> Iterator[Path]:
    """Turn the litellm disk cache on in `directory` for the duration of the block."""
    from simulator.models._litellm import litellm

    ll = litellm()  # first: it sets up litellm offline before anything imports it
    from litellm.caching.caching import Cache

    _placeholder_soundfile()

    directory.mkdir(parents=True, exist_ok=True)
    previous = ll.cache
    ll.cache = Cache(type="disk", disk_cache_dir=str(directory))
    try:
        yield directory  # the gateway records a cache hit as costing nothing
    finally:
        ll.cache = previous
