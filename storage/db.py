"""The database engine: SQLite by default (WAL, foreign keys on), PostgreSQL by URL."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from sqlalchemy import event as sa_event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import Session, create_engine

from storage.locks import SERVER_GIVES_UP, writer_queue

T = TypeVar("T")

DEFAULT_URL = "sqlite:///convene.db"
POOL_SIZE = 16  # requests handled at once per process (handlers.web)

# How each side of a PostgreSQL connection finds out that the other has gone silent (a cut
# cable, a host that died with its network), instead of TCP's two hours. The server probes an
# idle client after 2 s and drops it, ending its session and releasing its locks, once
# nothing has come back for SERVER_GIVES_UP seconds (the lead's lease relies on this bound;
# see storage.locks). The client gives up on a silent server in about 3 s, and on
# connecting in 3 s, so a request or a renewal waiting on a cut connection fails in seconds.
_SERVER_GIVES_UP_MS = int(SERVER_GIVES_UP * 1000)
PG_CONNECT_ARGS: dict[str, Any] = {
    "connect_timeout": 3,
    "keepalives": 1,
    "keepalives_idle": 1,
    "keepalives_interval": 1,
    "keepalives_count": 2,
    "tcp_user_timeout": 3000,
    "options": (
        f"-c tcp_keepalives_idle=2 -c tcp_keepalives_interval=1 -c tcp_keepalives_count=3"
        f" -c tcp_user_timeout={_SERVER_GIVES_UP_MS}"
    ),
}


def normalise_url(url: str) -> str:
    """Accept the URLs people paste (postgres://, postgresql://) and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str = DEFAULT_URL) -> Engine:
    """Create an engine configured for Convene's access pattern."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        sa_event.listen(engine, "connect", _sqlite_pragmas)
        sa_event.listen(engine, "begin", _sqlite_begin)
        return engine
    # Connections kept open: enough for every request thread (see handlers.web) with room
    # for the dispatcher, the scheduler and the lead; overflow ones are opened and closed
    # on demand, which a burst of votes should never need.
    return create_engine(
        url, pool_pre_ping=True, pool_size=POOL_SIZE + 8, max_overflow=10, connect_args=_connect_args(url)
    )


def _connect_args(url: str) -> dict[str, Any]:
    """PG_CONNECT_ARGS, keeping server options the URL already sets (`?options=-c%20...`)."""
    given = make_url(url).query.get("options")
    extra = " ".join(given) if isinstance(given, tuple) else (given or "")
    return {**PG_CONNECT_ARGS, "options": f"{PG_CONNECT_ARGS['options']} {extra}".strip()}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, manage transactions (needed for BEGIN IMMEDIATE).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Deleted rows (delivered messages about anonymous polls) are overwritten, not left in free pages.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # A deferred transaction that reads and then writes fails at once with
    # SQLITE_BUSY_SNAPSHOT if another writer committed in between; writers take
    # the lock up front instead, readers stay deferred and never block.
    immediate = conn.get_execution_options().get("convene_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def insert_for(dialect: str, table: Any) -> Any:
    """An INSERT for `table` that can take ON CONFLICT clauses, in the named SQL dialect."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def upsert(session: Session, table: Any) -> Any:
    """An INSERT for `table` that can take ON CONFLICT clauses, in the session's dialect."""
    return insert_for(session.get_bind().dialect.name, table)


def _for_writing(engine: Engine) -> Engine:
    """`engine` with the option that makes SQLite's BEGIN take the write lock, made once."""
    writer = _WRITE_ENGINES.get(engine)
    if writer is None:
        writer = _WRITE_ENGINES.setdefault(engine, engine.execution_options(convene_write=True))
    return writer


_WRITE_ENGINES: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction on a bare connection, for hot paths that need no ORM."""
    with writer_queue(engine), _for_writing(engine).begin() as conn:
        yield conn


class GroupCommit:
    """Short writes from many threads, committed together: group commit.

    A thread that brings a write while another thread is committing waits; the
    next thread to find nobody committing runs every write waiting then, each in
    a savepoint of its own (a write that fails is undone alone, and its thread
    gets its error), in one transaction, and commits once. Each thread returns
    only once the transaction holding its write has committed, so whoever
    answers after `run` answers after a durable write. On SQLite, where writers
    take turns anyway (see `storage.locks`), a burst then takes the write lock
    and commits once per batch instead of once per write.
    On PostgreSQL, where writers run side by side, each write commits on its own
    (the server already flushes concurrent commits together).
    """

    def __init__(self, engine: Engine, *, most: int = 256) -> None:
        self.engine = engine
        self.most = most
        self._turn = threading.Condition()
        self._waiting: list[_Write] = []
        self._committing = False

    def run(self, work: Callable[[Connection], T]) -> T:
        """`work(connection)` inside a shared transaction; its result once that has committed."""
        if self.engine.dialect.name != "sqlite":
            with writing(self.engine) as conn:
                return work(conn)
        mine = _Write(work)
        with self._turn:
            self._waiting.append(mine)
        while True:
            with self._turn:
                while self._committing and not mine.done:
                    self._turn.wait()
                if mine.done:
                    break
                self._committing = True
                batch, self._waiting = self._waiting[: self.most], self._waiting[self.most :]
            try:
                self._commit(batch)  # the oldest writes first: this thread's comes in a batch soon
            finally:
                with self._turn:
                    self._committing = False
                    self._turn.notify_all()
        if mine.error is not None:
            raise mine.error
        return cast(T, mine.result)

    def _commit(self, batch: list[_Write]) -> None:
        try:
            # Most batches have no write that fails: tried first without a savepoint per write
            # (two statements each); if one fails, the transaction is undone and the batch run
            # again, each write in its own savepoint.
            if not self._try(batch, savepoints=False):
                self._try(batch, savepoints=True)
        except BaseException as exc:  # the commit failed: nothing of the batch was written
            for write in batch:
                write.error = write.error or exc
        finally:
            for write in batch:
                write.done = True

    def _try(self, batch: list[_Write], *, savepoints: bool) -> bool:
        """Run the batch in one transaction; False (and nothing written) if a write failed
        without savepoints."""
        with writing(self.engine) as conn:
            for write in batch:
                write.result, write.error = None, None
                savepoint = conn.begin_nested() if savepoints else None
                try:
                    write.result = write.work(conn)
                except BaseException as exc:  # noqa: BLE001 - handed to the write's own thread
                    if savepoint is None:
                        conn.get_transaction().rollback()  # type: ignore[union-attr]
                        return False
                    savepoint.rollback()
                    write.error = exc
                else:
                    if savepoint is not None:
                        savepoint.commit()
        return True


class _Write:
    """One thread's write waiting in a GroupCommit, and its outcome."""

    __slots__ = ("work", "result", "error", "done")

    def __init__(self, work: Callable[[Connection], Any]) -> None:
        self.work = work
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = False


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A write transaction: commits on success, rolls back on error.

    On SQLite, writers queue for the database's one write lock (see `storage.locks`)
    rather than polling for it.
    """
    with (
        writer_queue(engine),
        Session(_for_writing(engine), expire_on_commit=False) as session,
    ):
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A read-only session (never takes SQLite's write lock)."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
