"""The response cache kept in the runs DB (table `response_cache`), for a sweep's `cache: true`."""

from __future__ import annotations

import sqlite_utils

from simulator.models.response_cache import CachedResponse
from simulator.store.db import now


class DbResponseCache:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def get(self, key: str) -> CachedResponse | None:
        row = self.db.conn.execute(
            "select text, prompt_tokens, completion_tokens from response_cache where key = ?",
            (key,),
        ).fetchone()
        return CachedResponse(*row) if row else None

    def put(self, key: str, model: str, response: CachedResponse) -> None:
        with self.db.conn:
            self.db.conn.execute(
                "insert or replace into response_cache"
                " (key, model, text, prompt_tokens, completion_tokens, created_at)"
                " values (?, ?, ?, ?, ?, ?)",
                (
                    key,
                    model,
                    response.text,
                    response.prompt_tokens,
                    response.completion_tokens,
                    now(),
                ),
            )
