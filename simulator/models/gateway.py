"""The one function through which every model call in patientsim passes.

`complete()` calls litellm, retries transient failures with backoff, validates structured
output (one repair retry, then a typed error), and records tokens, latency and cost for every
attempt to the active usage sink.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import json
import random
import re
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager, nullcontext
from typing import Any, TypeVar, overload

from pydantic import BaseModel, ValidationError

from simulator.models._litellm import litellm
from simulator.models.call_context import CallContext, current_call
from simulator.models.config import ModelSettings, ModelSpec
from simulator.models.errors import ModelConfigError, ModelError, ModelOutputError
from simulator.models.usage import CallRecord, emit

T = TypeVar("T", bound=BaseModel)

MAX_ATTEMPTS = 5
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 20.0
IN_PROCESS_PROVIDERS = ("local", "scripted")

_settings = ModelSettings()

# Optional: an async context manager entered around every request attempt, given the provider
# name (a sweep uses it for per-provider parallelism and request-rate limits).
RequestGate = Callable[[str], AbstractAsyncContextManager]
_request_gate: contextvars.ContextVar[RequestGate | None] = contextvars.ContextVar(
    "patientsim_request_gate", default=None
)


@contextmanager
def gating_requests(gate: RequestGate) -> Iterator[None]:
    """Pass every model request made in this context (and the tasks it starts) through `gate`."""
    token = _request_gate.set(gate)
    try:
        yield
    finally:
        _request_gate.reset(token)


def configure(settings: ModelSettings) -> None:
    """Set the role -> model mapping used when `complete()` is not given a model."""
    global _settings
    _settings = settings


def settings() -> ModelSettings:
    return _settings


@overload
async def complete(role: str, messages: list[dict], *, schema: type[T], **kw: Any) -> T: ...
@overload
async def complete(role: str, messages: list[dict], *, schema: None = None, **kw: Any) -> str: ...


async def complete(
    role: str,
    messages: list[dict],
    *,
    schema: type[BaseModel] | None = None,
    stream: bool = False,
    seed: int | None = None,
    model: str | ModelSpec | None = None,
    on_delta: Callable[[str], None] | None = None,
    context: dict[str, Any] | None = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
    timeout: float | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> str | BaseModel:
    """Ask `role`'s model for the next message; return text, or a validated `schema` instance."""
    spec = _spec_for(role, model)
    call = CallContext(
        role=role,
        seed=seed,
        json_schema=_json_schema(schema) if schema else None,
        context=context or {},
    )
    text = await _call_with_retries(
        spec, call, messages, stream, on_delta, max_tokens, temperature, timeout, max_attempts
    )
    if schema is None:
        return text
    try:
        return _parse(schema, text)
    except (ValidationError, ValueError) as first_error:
        repair = [
            *messages,
            {"role": "assistant", "content": text},
            {
                "role": "user",
                "content": "That reply did not match the required JSON schema "
                f"({_short(first_error)}). Reply again with only the corrected JSON object.",
            },
        ]
        text = await _call_with_retries(
            spec, call, repair, False, None, max_tokens, temperature, timeout, max_attempts
        )
        try:
            return _parse(schema, text)
        except (ValidationError, ValueError) as second_error:
            raise ModelOutputError(
                role,
                spec.model,
                f"output does not match {schema.__name__} after one repair: {_short(second_error)}",
                raw=text,
            ) from second_error


@functools.cache
def _json_schema(schema: type[BaseModel]) -> dict:
    return schema.model_json_schema()  # generating it costs ~3 ms; schemas are classes, so cache


def _spec_for(role: str, model: str | ModelSpec | None) -> ModelSpec:
    if isinstance(model, ModelSpec):
        return model
    if isinstance(model, str):
        return ModelSpec(model)
    return _settings.for_role(role)


_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.MULTILINE)


def _parse(schema: type[BaseModel], text: str) -> BaseModel:
    cleaned = _FENCE.sub("", text.strip())
    return schema.model_validate_json(cleaned)


def _short(error: Exception) -> str:
    return str(error).replace("\n", " ")[:300]


async def _call_with_retries(
    spec: ModelSpec,
    call: CallContext,
    messages: list[dict],
    stream: bool,
    on_delta: Callable[[str], None] | None,
    max_tokens: int | None,
    temperature: float | None,
    timeout: float | None,
    max_attempts: int,
) -> str:
    ll = litellm()
    transient = (
        ll.RateLimitError,
        ll.InternalServerError,
        ll.ServiceUnavailableError,
        ll.Timeout,
        ll.APIConnectionError,
        ll.BadGatewayError,
        json.JSONDecodeError,
    )
    kwargs = _request_kwargs(spec, call, messages, stream, max_tokens, temperature, timeout)
    for attempt in range(1, max_attempts + 1):
        started = time.perf_counter()
        token = current_call.set(call)
        try:
            gate = _request_gate.get()
            async with gate(spec.provider) if gate else nullcontext():
                text, usage = await _one_attempt(ll, kwargs, stream, on_delta)
        except transient as exc:
            _record(spec, call, started, attempt, error=exc)
            if attempt == max_attempts:
                raise ModelError(
                    call.role, spec.model, f"gave up after {attempt} attempts: {_short(exc)}"
                ) from exc
            await asyncio.sleep(_backoff(attempt, exc))
            continue
        except (ll.AuthenticationError, ll.NotFoundError, ll.PermissionDeniedError) as exc:
            _record(spec, call, started, attempt, error=exc)
            raise ModelConfigError(call.role, spec.model, _fix_hint(spec, exc)) from exc
        except ll.BadRequestError as exc:
            _record(spec, call, started, attempt, error=exc)
            if (
                "LLM Provider NOT provided" in str(exc)
                or "provider" in str(exc).lower()
                and "not" in str(exc).lower()
            ):
                raise ModelConfigError(call.role, spec.model, _fix_hint(spec, exc)) from exc
            raise ModelError(call.role, spec.model, _short(exc)) from exc
        except ModelError:
            raise
        except Exception as exc:  # noqa: BLE001 - any other provider failure is final, but recorded first
            _record(spec, call, started, attempt, error=exc)
            raise ModelError(call.role, spec.model, _short(exc)) from exc
        finally:
            current_call.reset(token)
        _record(spec, call, started, attempt, usage=usage)
        return text
    raise AssertionError("unreachable")


def _request_kwargs(spec, call, messages, stream, max_tokens, temperature, timeout) -> dict:
    # max_retries=0: the provider SDKs retry on their own by default; the gateway owns retries
    # so that each attempt is counted and recorded.
    kwargs: dict[str, Any] = {
        "model": spec.model,
        "messages": messages,
        "stream": stream,
        "max_retries": 0,
    }
    if stream:
        kwargs["stream_options"] = {"include_usage": True}
    if call.seed is not None:
        kwargs["seed"] = call.seed
    if max_tokens is not None:
        kwargs["max_tokens"] = max_tokens
    if temperature is not None:
        kwargs["temperature"] = temperature
    if timeout is not None:
        kwargs["timeout"] = timeout
    if spec.api_base:
        kwargs["api_base"] = spec.api_base
    key = spec.api_key()
    if key:
        kwargs["api_key"] = key
    if call.json_schema is not None:
        kwargs["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "reply", "schema": call.json_schema, "strict": False},
        }
    return kwargs


async def _one_attempt(ll, kwargs: dict, stream: bool, on_delta) -> tuple[str, dict]:
    provider = kwargs["model"].split("/", 1)[0]
    if provider in IN_PROCESS_PROVIDERS:
        return await _in_process_attempt(provider, kwargs, stream, on_delta)
    if not stream:
        response = await ll.acompletion(**kwargs)
        return response.choices[0].message.content or "", _usage(ll, response, kwargs["model"])
    parts: list[str] = []
    chunks = []
    response = await ll.acompletion(**kwargs)
    async for chunk in response:
        chunks.append(chunk)
        delta = chunk.choices[0].delta.content if chunk.choices else None
        if delta:
            parts.append(delta)
            if on_delta is not None:
                on_delta(delta)
    text = "".join(parts).strip()
    built = ll.stream_chunk_builder(chunks, messages=kwargs["messages"]) if chunks else None
    return text, _usage(ll, built, kwargs["model"]) if built is not None else {}


async def _in_process_attempt(
    provider: str, kwargs: dict, stream: bool, on_delta
) -> tuple[str, dict]:
    """Call our own providers directly: the same handlers litellm dispatches to, minus litellm's
    per-call bookkeeping (about 4 ms a call, which would dominate a scripted session's turn)."""
    from simulator.models.inprocess import handler_for

    handler = handler_for(provider)
    params = {k: kwargs[k] for k in ("seed", "max_tokens", "temperature") if k in kwargs}
    if not stream:
        response = await handler.acompletion(
            kwargs["model"], kwargs["messages"], optional_params=params
        )
        usage = response.usage
        return response.choices[0].message.content or "", {
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "cost_usd": 0.0,
        }
    parts: list[str] = []
    usage: dict = {}
    async for chunk in handler.astreaming(
        kwargs["model"], kwargs["messages"], optional_params=params
    ):
        if chunk["text"]:
            parts.append(chunk["text"])
            if on_delta is not None:
                on_delta(chunk["text"])
        if chunk.get("usage"):
            usage = {**chunk["usage"], "cost_usd": 0.0}
    return "".join(parts).strip(), usage


def _usage(ll, response, model: str) -> dict:
    usage = getattr(response, "usage", None)
    prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
    completion = int(getattr(usage, "completion_tokens", 0) or 0)
    cost = 0.0
    hidden = getattr(response, "_hidden_params", None) or {}
    if model.split("/", 1)[0] not in IN_PROCESS_PROVIDERS and not hidden.get("cache_hit"):
        cost = _cost(ll, response, model, hidden.get("response_cost"))
    return {"prompt_tokens": prompt, "completion_tokens": completion, "cost_usd": cost}


def _cost(ll, response, model: str, priced: float | None) -> float:
    """The call's price in USD. litellm prices each response while logging it; that figure is
    reused. A model litellm has no price for (a self-hosted one) costs 0, and is registered at
    0 so that later calls skip litellm's search for a price (~2 ms of CPU a call)."""
    if priced is None:
        try:
            priced = ll.completion_cost(completion_response=response)
        except Exception:  # noqa: BLE001 - litellm raises plain Exception for an unknown price
            _register_unpriced(ll, model)
            priced = 0.0
    return float(priced or 0.0)


def _register_unpriced(ll, model: str) -> None:
    try:
        provider = ll.get_llm_provider(model)[1]
        ll.register_model(
            {
                model: {
                    "input_cost_per_token": 0.0,
                    "output_cost_per_token": 0.0,
                    "litellm_provider": provider,
                    "mode": "chat",
                }
            }
        )
    except Exception:  # noqa: BLE001 - only a speed-up: the call is recorded at 0 either way
        pass


def _record(
    spec: ModelSpec, call: CallContext, started: float, attempt: int, *, usage=None, error=None
) -> None:
    usage = usage or {}
    emit(
        CallRecord(
            role=call.role,
            model=spec.model,
            prompt_tokens=usage.get("prompt_tokens", 0),
            completion_tokens=usage.get("completion_tokens", 0),
            latency_ms=round((time.perf_counter() - started) * 1000, 3),
            cost_usd=usage.get("cost_usd", 0.0),
            ok=error is None,
            error=None if error is None else f"{type(error).__name__}: {_short(error)}",
            attempt=attempt,
            session_id=call.context.get("session_id"),
        )
    )


def _backoff(attempt: int, exc: Exception) -> float:
    retry_after = _retry_after_seconds(exc)
    if retry_after is not None:
        return min(retry_after, BACKOFF_CAP_S)
    return min(BACKOFF_BASE_S * 2 ** (attempt - 1), BACKOFF_CAP_S) * (0.5 + random.random() / 2)


def _retry_after_seconds(exc: Exception) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    try:
        value = headers.get("retry-after") or headers.get("Retry-After")
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _fix_hint(spec: ModelSpec, exc: Exception) -> str:
    text = str(exc)
    if "LLM Provider NOT provided" in text or "provider" in text.lower():
        return "unknown provider; use a litellm model string such as openai/gpt-4o-mini, ollama/llama3.1, local/gemma-3-270m or scripted/adherent"
    if (
        "api key" in text.lower()
        or "api_key" in text.lower()
        or "auth" in type(exc).__name__.lower()
    ):
        env = (
            f"{spec.provider.upper()}_API_KEY"
            if spec.provider
            else "the provider's API key variable"
        )
        return f"missing or invalid API key: set {env} (or api_key_env in patientsim.toml)"
    return _short(exc)
