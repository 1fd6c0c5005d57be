"""Locks across the processes that share one database: the writer queue, the lead, start-up,
and the guard on a live message's refresh row.

`convene serve --workers N` runs N processes on one database. SQLite takes one
writer at a time, and a writer that finds the lock taken polls it with sleeps of
up to 100 ms; so writers queue here instead (a thread lock within a process, a
POSIX byte-range lock on `<database>.lock` between processes), and wake the
moment the lock is free. The same file carries the lead (the one process that
runs the scheduler and the outbox dispatcher) and the start-up lock (one
process at a time migrates and syncs the event file). On PostgreSQL the lead
and start-up are session advisory locks; writers need no queue there.

Every lock here dies with its process, so a killed process never leaves one behind.
On PostgreSQL it also dies with the process's network: the server drops a client it
has not heard from within `SERVER_GIVES_UP` seconds (`storage.db` sets each
connection's keepalives and TCP user timeout so), and with it the client's locks.
The leader renews its lead every `RENEW_EVERY` seconds and counts it as held only
for `LEASE_SECONDS` after the start of its last renewal that succeeded, well inside
`SERVER_GIVES_UP`: a leader cut off from the database stops acting as one before
the server can let another process lead.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

# Byte offsets in the lock file; each is a lock of its own.
_WRITER, _LEAD, _STARTUP = 0, 1, 2

# Seconds. The server gives up on a silent client (and releases its locks) this long after
# it last heard from it; the lead is renewed this often, and counts as ours this long after
# the start of the last renewal that succeeded. The 3 s between the lease and the server's
# bound cover a send already on its way when the lease runs out.
SERVER_GIVES_UP = 6.0
RENEW_EVERY = 1.0
LEASE_SECONDS = 3.0
# A renewal is one short query; the server cancels it past this, so it never waits on a lock.
RENEWAL_TIMEOUT_MS = 2000


def _pg_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for `name`."""
    return int.from_bytes(hashlib.sha256(f"convene:{name}".encode()).digest()[:8], "big", signed=True)


def lock_path(engine: Engine) -> str | None:
    """The lock file beside a SQLite database file; None for PostgreSQL or an in-memory database."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return os.path.abspath(database) + ".lock"


class _LockFile:
    """One open descriptor per lock file and process.

    POSIX locks belong to the process and are all dropped when any descriptor of
    the file is closed, so the descriptor is opened once and never closed.
    """

    _open: dict[tuple[str, int], int] = {}
    _guard = threading.Lock()

    @classmethod
    def fd(cls, path: str) -> int:
        key = (path, os.getpid())  # a forked child opens its own
        with cls._guard:
            if key not in cls._open:
                cls._open[key] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            return cls._open[key]


def _lock(path: str, offset: int, *, wait: bool) -> bool:
    """Take the lock at `offset`: wait for it, or (wait=False) say whether it was free."""
    if wait:
        fcntl.lockf(_LockFile.fd(path), fcntl.LOCK_EX, 1, offset)
        return True
    try:
        fcntl.lockf(_LockFile.fd(path), fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset)
    except (BlockingIOError, PermissionError):
        return False
    return True


def _unlock(path: str, offset: int) -> None:
    fcntl.lockf(_LockFile.fd(path), fcntl.LOCK_UN, 1, offset)


class WriterQueue:
    """One SQLite writer at a time: this process's threads in turn, then processes in turn.

    Re-entrant within a thread. POSIX locks do not exclude threads of one
    process from each other, so the thread lock comes first and the file lock
    is taken only by the outermost holder.
    """

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._thread = threading.RLock()
        self._depth = 0

    def __enter__(self) -> WriterQueue:
        self._thread.acquire()
        self._depth += 1
        if self._depth == 1 and self.path:
            try:
                _lock(self.path, _WRITER, wait=True)
            except BaseException:
                self._depth -= 1
                self._thread.release()
                raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        try:
            if self._depth == 0 and self.path:
                _unlock(self.path, _WRITER)
        finally:
            self._thread.release()


_QUEUES: dict[str, WriterQueue] = {}
_QUEUES_GUARD = threading.Lock()


def writer_queue(engine: Engine) -> Any:
    """The queue a write transaction on `engine` waits in (nothing to wait for on PostgreSQL)."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    key = str(engine.url)
    with _QUEUES_GUARD:
        if key not in _QUEUES:
            _QUEUES[key] = WriterQueue(lock_path(engine))
        return _QUEUES[key]


def guard_live_message(executor: Any, key: str, *, exclusive: bool) -> None:
    """On PostgreSQL, a transaction-scoped advisory lock on the refresh row `key` of a live
    message (a poll's, a Q&A's): shared by the writers that re-arm it, so that they never
    queue on the row itself; exclusive for the dispatcher while it claims and renders the
    refresh, so that it waits for the re-arms in progress and they, once it has committed,
    see the row claimed and re-arm it. Taken before any lock on the row. Nothing on SQLite,
    whose one writer at a time already orders them."""
    dialect = executor.dialect if isinstance(executor, Connection) else executor.get_bind().dialect
    if dialect.name != "postgresql":
        return
    take = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    executor.execute(text(f"SELECT {take}(:k)"), {"k": _pg_key(f"live:{key}")})


class Lease:
    """The lead among the processes on one database: whoever holds it runs the clock and the outbox.

    On PostgreSQL it is a session advisory lock on a connection kept for the
    purpose, renewed by `still_held()` and valid (`valid()`) for `LEASE_SECONDS`
    after the start of the last renewal that succeeded; on SQLite a lock on the
    database's lock file, valid while held; an in-memory SQLite database belongs
    to one process, which always leads.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.path = lock_path(engine)
        self._conn: Connection | None = None
        self._held = False
        self._renewed: float | None = None  # time.monotonic() at the start of the last renewal

    def try_acquire(self) -> bool:
        """Take the lead if nobody holds it; True if this process now leads."""
        if self._held:
            return True
        if self.engine.dialect.name == "postgresql":
            started = time.monotonic()
            conn = self.engine.connect()
            try:
                conn.exec_driver_sql(f"SET statement_timeout = {RENEWAL_TIMEOUT_MS}")
                taken = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _pg_key("lead")})
                got = bool(taken.scalar())
                conn.commit()
            except BaseException:
                conn.invalidate()
                conn.close()
                raise
            if got:
                self._conn, self._renewed = conn, started
            else:
                conn.close()
            self._held = got
        elif self.path:
            self._held = _lock(self.path, _LEAD, wait=False)
        else:
            self._held = True
        return self._held

    def still_held(self) -> bool:
        """Renew the lead: whether it is still ours (on PostgreSQL the session holding it may have
        ended, or stopped answering: the connection's timeouts end the wait within seconds)."""
        if not self._held:
            return False
        if self._conn is not None:
            started = time.monotonic()
            try:
                self._conn.execute(text("SELECT 1")).scalar()
                self._conn.commit()
                self._renewed = started
            except Exception:
                self._forget_connection()
                self._held = False
        return self._held

    def valid(self) -> bool:
        """Whether this process may act as the leader now: it holds the lead and, on PostgreSQL,
        renewed it within `LEASE_SECONDS`. Asked before each send; costs no I/O."""
        if not self._held:
            return False
        if self.engine.dialect.name != "postgresql":
            return True
        return self._renewed is not None and time.monotonic() - self._renewed < LEASE_SECONDS

    def release(self) -> None:
        """Give up the lead (safe to call when not holding it)."""
        if not self._held:
            return
        self._held = False
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _pg_key("lead")})
                self._conn.commit()
            except Exception:  # unreachable: closing the connection ends the session, and the lock
                pass
            finally:
                self._forget_connection()
        elif self.path:
            _unlock(self.path, _LEAD)

    def _forget_connection(self) -> None:
        conn, self._conn = self._conn, None
        self._renewed = None
        if conn is not None:
            try:
                conn.invalidate()  # never back to the pool: its advisory lock must go with it
                conn.close()
            except Exception:
                pass


@contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """One process at a time through start-up (migrations, syncing the event file)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _pg_key("startup")})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _pg_key("startup")})
                conn.commit()
        return
    path = lock_path(engine)
    if path is None:
        yield
        return
    _lock(path, _STARTUP, wait=True)
    try:
        yield
    finally:
        _unlock(path, _STARTUP)
