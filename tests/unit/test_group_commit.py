"""Group commit: writes from many threads share a transaction, each undone alone when it fails,
and none returns before the transaction holding it has committed."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.db import GroupCommit, make_engine


def test_concurrent_writes_commit_together_and_a_failing_one_alone_is_undone(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'group.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE vote (voter TEXT PRIMARY KEY)"))
    group = GroupCommit(engine)
    committed_before_return: list[bool] = []
    errors: list[BaseException] = []
    start = threading.Barrier(40)

    def vote(i: int) -> None:
        def work(conn: Connection) -> int:
            conn.execute(text("INSERT INTO vote (voter) VALUES (:v)"), {"v": f"U{i}"})
            if i % 10 == 3:
                raise ValueError(f"refused {i}")
            return i

        start.wait()
        try:
            assert group.run(work) == i
        except ValueError as exc:
            errors.append(exc)
            return
        # Another connection sees the write as soon as run() has returned: it was committed.
        with engine.connect() as other:
            found = other.execute(text("SELECT count(*) FROM vote WHERE voter = :v"), {"v": f"U{i}"})
            committed_before_return.append(found.scalar_one() == 1)

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 4 and all(isinstance(e, ValueError) for e in errors)
    assert committed_before_return == [True] * 36
    with engine.connect() as conn:
        voters = {row[0] for row in conn.execute(text("SELECT voter FROM vote"))}
    assert voters == {f"U{i}" for i in range(40) if i % 10 != 3}


def test_a_write_that_fails_raises_its_error_in_its_own_thread(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'group.db'}")
    group = GroupCommit(engine)
    with pytest.raises(Exception, match="no such table"):
        group.run(lambda conn: conn.execute(text("INSERT INTO missing VALUES (1)")))
