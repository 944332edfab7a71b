"""One process executes a run at a time: it holds the run's lease (table `run_leases`) and
renews it while it works. A second `sweep --resume` of a held run is refused, naming the
holder; a lease whose holder stopped renewing (killed, machine gone) expires and can be
taken over, at once when the holder is a dead process on this machine."""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass

import sqlite_utils

from vocabulary.errors import InputProblem

LEASE_SECONDS = 30.0  # a holder renews every LEASE_SECONDS / 3


class RunHeld(InputProblem):
    """The run is being executed by another live process."""


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str

    @classmethod
    def this_process(cls) -> Holder:
        return cls(os.getpid(), socket.gethostname())

    def __str__(self) -> str:
        return f"pid {self.pid} on {self.host}"


def acquire(db: sqlite_utils.Database, run_id: str, holder: Holder) -> None:
    """Take the run's lease, or raise RunHeld when a live holder has it."""
    conn = db.conn
    conn.execute("begin immediate")  # no second process reads the lease between check and write
    try:
        row = conn.execute(
            "select pid, host, expires_at from run_leases where run_id = ?", (run_id,)
        ).fetchone()
        current = Holder(row[0], row[1]) if row is not None else None
        if current is not None and current != holder and _alive(current, row[2]):
            raise RunHeld(
                f"run {run_id} is being executed by {current}; wait for it to finish or stop "
                f"it (its lease expires {LEASE_SECONDS:.0f} s after its last renewal)"
            )
        conn.execute(
            "insert or replace into run_leases (run_id, holder, pid, host, expires_at)"
            " values (?, ?, ?, ?, ?)",
            (run_id, str(holder), holder.pid, holder.host, time.time() + LEASE_SECONDS),
        )
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise


def renew(db: sqlite_utils.Database, run_id: str, holder: Holder) -> None:
    with db.conn:
        db.conn.execute(
            "update run_leases set expires_at = ? where run_id = ? and pid = ? and host = ?",
            (time.time() + LEASE_SECONDS, run_id, holder.pid, holder.host),
        )


def release(db: sqlite_utils.Database, run_id: str, holder: Holder) -> None:
    with db.conn:
        db.conn.execute(
            "delete from run_leases where run_id = ? and pid = ? and host = ?",
            (run_id, holder.pid, holder.host),
        )


def _alive(holder: Holder, expires_at: float) -> bool:
    if expires_at < time.time():
        return False
    if holder.host != socket.gethostname():
        return True  # another machine: only the expiry can tell
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return False  # the holder died without releasing (SIGKILL, power loss)
    except PermissionError:
        return True
    return True
