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
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import sqlite_utils

from simulator.events import SessionNote
from simulator.models.response_cache import caching_responses
from simulator.models.usage import recording_to
from simulator.store import leases, records, sweep_plan
from simulator.store.checkpoints import checkpoints_path_for, open_checkpoints
from simulator.store.response_cache import DbResponseCache
from simulator.store.run_record import read_run
from simulator.store.spend import Spend, largest_session_spend, run_spend, session_spend
from simulator.store.statuses import EndReason, RunStatus, RunStopReason, SessionStatus
from simulator.sweeps import plan_store
from simulator.sweeps.budget import BudgetGuard
from simulator.sweeps.errors import SweepError
from simulator.sweeps.limits import ProviderLimiter, limiting_model_calls
from simulator.sweeps.progress import Progress
from simulator.sweeps.spec import Budget, SweepSpec


@dataclass
class SweepOutcome:
    """How a sweep (or one resumption of it) ended."""

    run_id: str
    status: RunStatus  # done | stopped
    stop_reason: RunStopReason | None
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

    run = read_run(db, run_id, with_sessions=False)
    if run is None or run.kind != "sweep":
        raise SweepError(f"no sweep run {run_id} in this DB; see `patientsim runs list`")
    if run.status == RunStatus.PLANNING:
        raise SweepError(
            f"run {run_id} was interrupted while its grid was being planned; start the sweep again"
        )
    data = run.spec
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
        self.stop_reason: RunStopReason | None = None
        self.finished_one = asyncio.Event()
        self.judge_errors: list[str] = []

    async def run(self) -> None:
        await self._judge_leftovers()
        pending = sweep_plan.unfinished_plan_rows(self.db, self.run_id)
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
                self.stop_reason = RunStopReason.BUDGET  # `item` stays unstarted in the plan
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

        session_id = item["session_id"]
        try:
            if session_id is None:  # a new session reads its protocol file once and stores it
                config = SessionConfig.model_validate_json(item["config_json"])
                session_id = runner.create_session(
                    self.db, config, run_id=self.run_id, severity=item["severity"]
                )
                sweep_plan.link_plan_session(self.db, self.run_id, item["idx"], session_id)
        except Exception as exc:  # noqa: BLE001 - a session that cannot start must not stop others
            self._warn(
                f"planned session {item['idx']} could not start: {type(exc).__name__}: {exc}"
            )
            self.progress.session_finished(ok=False, tokens=0, cost_usd=0.0)
            return
        before = session_spend(self.db, session_id)
        try:
            # a resumed session runs on its stored protocol; a note says if the file changed
            row = await runner.run_session(
                self.db,
                session_id,
                self.checkpoints,
                resume=item["session_id"] is not None,
                subscribers=[self._notes],
            )
        except Exception as exc:  # noqa: BLE001 - recorded as this session's failure
            records.update_session(
                self.db,
                session_id,
                status=SessionStatus.FAILED,
                end_reason=EndReason.ERROR,
                error=f"{type(exc).__name__}: {exc}",
            )
            row = records.session_row(self.db, session_id)
        ok = row["status"] == SessionStatus.DONE
        if ok:
            await self._judge(session_id)
        spend = session_spend(self.db, session_id)
        delta = Spend(spend.usd - before.usd, spend.tokens - before.tokens)
        self.guard.spent_more(delta)
        if ok:
            self.guard.observe_session(spend)
        self.progress.session_finished(ok=ok, tokens=delta.tokens, cost_usd=delta.usd)

    def _notes(self, event) -> None:
        if isinstance(event, SessionNote):
            self._warn(f"session {event.session_id}: {event.text.removeprefix('note: ')}")

    async def _judge(self, session_id: str) -> None:
        """Judges (or, with judging off, the detectors alone: no model call) on a done session."""
        from simulator.usecases.run_and_judge import judge_finished  # loads the engine: on use

        def record(call) -> None:
            # judge calls count against the session (and so the budget) they judge
            records.add_call(
                self.db, dataclasses.replace(call, session_id=call.session_id or session_id)
            )

        try:
            with recording_to(record):
                await judge_finished(self.db, session_id, list(self.stored.judges))
        except Exception as exc:  # noqa: BLE001 - an unjudged session is reported, not fatal
            what = "judging" if self.stored.judges else "detectors"
            message = f"session {session_id}: {what} failed: {type(exc).__name__}: {exc}"
            if self.stored.judges:
                self.judge_errors.append(message)
            self._warn(message)

    async def _judge_leftovers(self) -> None:
        """Sessions that finished just before a kill but were never judged."""
        if not self.stored.judges:
            return
        for session_id in sweep_plan.done_unjudged(self.db, self.run_id):
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

    stored = stored_sweep(db, run_id)
    stream = stream or sys.stderr
    holder = leases.Holder.this_process()
    leases.acquire(db, run_id, holder)  # before anything is adopted or started: one executor
    try:
        return await _execute_held(
            db, db_path, run_id, stored, concurrency, budget, stream, show_progress, holder
        )
    finally:
        leases.release(db, run_id, holder)


async def _execute_held(
    db, db_path, run_id, stored, concurrency, budget, stream, show_progress, holder
) -> SweepOutcome:
    spec = stored.spec
    plan_store.adopt_orphans(db, run_id)
    counts = sweep_plan.plan_counts(db, run_id)
    records.reopen_run(db, run_id)
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
            stack.enter_context(_renewing(db, run_id, holder))
            async with open_checkpoints(checkpoints_path_for(db_path)) as cp:
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
        records.finish_run(db, run_id, RunStatus.STOPPED, RunStopReason.INTERRUPTED)
        progress.close()
        raise
    progress.close()
    stop_reason = executor.stop_reason if executor else None
    counts = sweep_plan.plan_counts(db, run_id)
    if stop_reason is None and counts["done"] + counts["failed"] < counts["total"]:
        stop_reason = RunStopReason.INCOMPLETE  # sessions could not start (see the warnings)
    status = RunStatus.STOPPED if stop_reason else RunStatus.DONE
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


@contextmanager
def _renewing(db: sqlite_utils.Database, run_id: str, holder: leases.Holder) -> Iterator[None]:
    """Renew the run's lease every third of its length while the sweep works."""

    async def renew_forever() -> None:
        while True:
            await asyncio.sleep(leases.LEASE_SECONDS / 3)
            leases.renew(db, run_id, holder)

    task = asyncio.get_running_loop().create_task(renew_forever())
    try:
        yield
    finally:
        task.cancel()
