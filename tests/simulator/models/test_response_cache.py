"""The response cache's key: what decides a reply is in it, the API key never is."""

from __future__ import annotations

from simulator.models.response_cache import CachedResponse, cache_key
from simulator.store import open_db
from simulator.store.response_cache import DbResponseCache

REQUEST = {
    "model": "openai/gpt-4o-mini",
    "messages": [{"role": "user", "content": "hello"}],
    "seed": 3,
    "temperature": 0.7,
    "stream": False,
    "max_retries": 0,
}


def test_the_key_follows_everything_that_decides_the_reply():
    base = cache_key(REQUEST)
    for change in (
        {"seed": 4},
        {"model": "openai/gpt-4o"},
        {"temperature": 0.0},
        {"max_tokens": 10},
        {"api_base": "http://127.0.0.1:9/v1"},
        {"messages": [{"role": "user", "content": "hello!"}]},
        {"response_format": {"type": "json_schema"}},
    ):
        assert cache_key({**REQUEST, **change}) != base, change


def test_the_key_ignores_transport_options_and_the_api_key():
    same = {**REQUEST, "api_key": "sk-secret", "timeout": 5, "stream": True, "max_retries": 2}
    assert cache_key(same) == cache_key(REQUEST)


def test_the_db_cache_keeps_a_reply_across_connections(tmp_path):
    path = tmp_path / "p.db"
    DbResponseCache(open_db(path)).put("k", "openai/x", CachedResponse("hi", 12, 3))
    again = DbResponseCache(open_db(path))
    assert again.get("k") == CachedResponse("hi", 12, 3)
    assert again.get("other") is None
