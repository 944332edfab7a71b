"""Run a sweep's planned sessions: independent asyncio jobs under a global bound, per-provider
request limits, a budget guard and a live progress line.

Every write to the runs DB happens on the event loop's thread (one sqlite connection). One
checkpointer is shared by all sessions. A session that fails is recorded `failed` with its
error and never stops the others. Killed at any moment, the run resumes from the plan: done
sessions are skipped and interrupted ones continue from their last checkpoint.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import sqlite_utils

from simulator.models.response_cache import caching_responses
from simulator.store.response_cache import DbResponseCache
from simulator.sweeps import plan_store
from simulator.sweeps.budget import (
    BudgetGuard,
    Spend,
    largest_session_spend,
    run_spend,
    session_spend,
)
from simulator.sweeps.errors import SweepError
from simulator.sweeps.limits import ProviderLimiter, limiting_model_calls
from simulator.sweeps.progress import Progress
from simulator.sweeps.spec import Budget, SweepSpec


@dataclass
class SweepOutcome:
    """How a sweep (or one resumption of it) ended."""

    run_id: str
    status: str  # done | stopped
    stop_reason: str | None  # budget | interrupted | None
    counts: dict[str, int]
    spent: Spend
    started_here: int = 0
    judge_errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "stop_reason": self.stop_reason,
            "sessions": self.counts,
            "spent_usd": round(self.spent.usd, 6),
            "spent_tokens": self.spent.tokens,
            "started_here": self.started_here,
            "judge_errors": self.judge_errors,
        }


@dataclass
class StoredSweep:
    """What the run row holds about its sweep: the spec and the resolved judge models."""

    spec: SweepSpec
    judges: list  # ModelSpec


def stored_sweep(db: sqlite_utils.Database, run_id: str) -> StoredSweep:
    from simulator.models.config import ModelSpec

    rows = list(db["runs"].rows_where("id = ?", [run_id]))
    if not rows or rows[0]["kind"] != "sweep":
        raise SweepError(f"no sweep run {run_id} in this DB; see `patientsim runs list`")
    run = rows[0]
    if run["status"] == "planning":
        raise SweepError(
            f"run {run_id} was interrupted while its grid was being planned; start the sweep again"
        )
    data = json.loads(run["spec_json"])
    return StoredSweep(
        spec=SweepSpec.model_validate(data["spec"]),
        judges=[ModelSpec(**j) for j in data.get("judges", [])],
    )


class _Executor:
    def __init__(
        self,
        db: sqlite_utils.Database,
        run_id: str,
        stored: StoredSweep,
        checkpoints,
        concurrency: int,
        budget: Budget | None,
        progress: Progress,
        warn: TextIO,
    ):
        self.db, self.run_id, self.stored = db, run_id, stored
        self.checkpoints = checkpoints
        self.concurrency = concurrency
        self.guard = BudgetGuard(budget, run_spend(db, run_id), largest_session_spend(db, run_id))
        self.progress = progress
        self.warn = warn
        self.in_flight = 0
        self.started = 0
        self.stop_reason: str | None = None
        self.finished_one = asyncio.Event()
        self.judge_errors: list[str] = []

    async def run(self) -> None:
        await self._judge_leftovers()
        pending = plan_store.unfinished(self.db, self.run_id)
        workers = [asyncio.create_task(self._worker(pending)) for _ in range(self.concurrency)]
        try:
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()

    async def _worker(self, pending: Iterator[dict]) -> None:
        while self.stop_reason is None:
            # Until one session has finished its cost is unknown: start them one at a time.
            while self.guard.budget is not None and not self.guard.knows_cost and self.in_flight:
                self.finished_one.clear()
                await self.finished_one.wait()
            item = next(pending, None)
            if item is None:
                return
            if not self.guard.may_start(self.in_flight):
                self.stop_reason = "budget"  # `item` stays unstarted in the plan
                return
            self.in_flight += 1
            self.started += 1
            try:
                await self._one(item)
            finally:
                self.in_flight -= 1
                self.finished_one.set()

    async def _one(self, item: dict) -> None:
        from simulator.session import runner
        from simulator.session.config import SessionConfig
        from simulator.store import records

        session_id = item["session_id"]
        try:
            if session_id is None:
                config = SessionConfig.model_validate_json(item["config_json"])
                session_id = runner.create_session(
                    self.db, config, run_id=self.run_id, severity=item["severity"]
                )
                plan_store.link_session(self.db, self.run_id, item["idx"], session_id)
        except Exception as exc:  # noqa: BLE001 - a session that cannot start must not stop others
            self._warn(
                f"planned session {item['idx']} could not start: {type(exc).__name__}: {exc}"
            )
            self.progress.session_finished(ok=False, tokens=0, cost_usd=0.0)
            return
        before = session_spend(self.db, session_id)
        try:
            row = await runner.run_session(
                self.db, session_id, self.checkpoints, resume=item["session_id"] is not None
            )
        except Exception as exc:  # noqa: BLE001 - recorded as this session's failure
            records.update_session(
                self.db,
                session_id,
                status="failed",
                end_reason="error",
                error=f"{type(exc).__name__}: {exc}",
            )
            row = records.session_row(self.db, session_id)
        ok = row["status"] == "done"
        if ok:
            await self._judge(session_id)
        spend = session_spend(self.db, session_id)
        delta = Spend(spend.usd - before.usd, spend.tokens - before.tokens)
        self.guard.spent_more(delta)
        if ok:
            self.guard.observe_session(spend)
        self.progress.session_finished(ok=ok, tokens=delta.tokens, cost_usd=delta.usd)

    async def _judge(self, session_id: str) -> None:
        if not self.stored.judges:
            self._detect(session_id)
            return
        from simulator.models.usage import recording_to
        from simulator.session.service import judge_if_available
        from simulator.store import records

        def record(call) -> None:
            # judge calls count against the session (and so the budget) they judge
            records.add_call(
                self.db, dataclasses.replace(call, session_id=call.session_id or session_id)
            )

        try:
            with recording_to(record):
                await judge_if_available(self.db, session_id, list(self.stored.judges))
        except Exception as exc:  # noqa: BLE001 - an unjudged session is reported, not fatal
            message = f"session {session_id}: judging failed: {type(exc).__name__}: {exc}"
            self.judge_errors.append(message)
            self._warn(message)

    def _detect(self, session_id: str) -> None:
        """Judging off: still run the deterministic detectors (cheap, no model call)."""
        try:
            from simulator.judges import detect_view
            from simulator.judges.storage import replace_detector_hits
            from simulator.judges.stored_session import load_session_view
        except ImportError:
            return
        try:
            replace_detector_hits(
                self.db, session_id, detect_view(load_session_view(self.db, session_id))
            )
        except Exception as exc:  # noqa: BLE001 - reported, never fatal to the sweep
            self._warn(f"session {session_id}: detectors failed: {type(exc).__name__}: {exc}")

    async def _judge_leftovers(self) -> None:
        """Sessions that finished just before a kill but were never judged."""
        if not self.stored.judges:
            return
        for session_id in plan_store.done_unjudged(self.db, self.run_id):
            await self._judge(session_id)

    def _warn(self, message: str) -> None:
        self.warn.write(f"warning: {message}\n")
        self.warn.flush()


async def execute_sweep(
    db: sqlite_utils.Database,
    db_path: Path,
    run_id: str,
    *,
    concurrency: int | None = None,
    budget: Budget | None = None,
    show_progress: bool = True,
    stream: TextIO | None = None,
) -> SweepOutcome:
    """Run (or resume) every unfinished planned session of sweep `run_id`.

    `concurrency` and `budget` override the stored spec's. Returns how the run ended; the run
    row is finished `done`, or `stopped` with reason `budget` or `interrupted`.
    """
    from simulator.session import runner
    from simulator.store import records

    stored = stored_sweep(db, run_id)
    spec = stored.spec
    stream = stream or sys.stderr
    plan_store.adopt_orphans(db, run_id)
    counts = plan_store.plan_counts(db, run_id)
    db["runs"].update(run_id, {"status": "running", "stop_reason": None, "finished_at": None})
    progress = Progress(
        total=counts["total"],
        done=counts["done"],
        stream=stream,
        enabled=show_progress,
    )
    spent = run_spend(db, run_id)
    progress.tokens, progress.cost_usd = spent.tokens, spent.usd
    executor = None
    try:
        with ExitStack() as stack:
            if spec.limits:
                stack.enter_context(limiting_model_calls(ProviderLimiter(spec.limits)))
            if spec.cache:
                stack.enter_context(caching_responses(DbResponseCache(db)))
            async with runner.open_checkpoints(runner.checkpoints_path_for(db_path)) as cp:
                executor = _Executor(
                    db,
                    run_id,
                    stored,
                    cp,
                    concurrency or spec.concurrency,
                    budget if budget is not None else spec.budget,
                    progress,
                    stream,
                )
                await executor.run()
    except (asyncio.CancelledError, KeyboardInterrupt):
        records.finish_run(db, run_id, "stopped", "interrupted")
        progress.close()
        raise
    progress.close()
    stop_reason = executor.stop_reason if executor else None
    counts = plan_store.plan_counts(db, run_id)
    if stop_reason is None and counts["done"] + counts["failed"] < counts["total"]:
        stop_reason = "incomplete"  # sessions could not start (see the warnings)
    status = "stopped" if stop_reason else "done"
    records.finish_run(db, run_id, status, stop_reason)
    return SweepOutcome(
        run_id=run_id,
        status=status,
        stop_reason=stop_reason,
        counts=counts,
        spent=run_spend(db, run_id),
        started_here=executor.started if executor else 0,
        judge_errors=executor.judge_errors if executor else [],
    )
