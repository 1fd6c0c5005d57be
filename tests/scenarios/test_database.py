"""Schema migrations and the database settings Convene relies on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from storage.db import make_engine
from storage.migrate import MIGRATIONS, current, upgrade

HEAD = max(p.name.split("_")[0] for p in (MIGRATIONS / "versions").glob("[0-9]*.py"))


def test_convene_db_upgrade_creates_the_schema_and_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    env = {**os.environ, "DATABASE_URL": url}
    first = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"Database at revision {HEAD} (was empty)" in first.stdout
    second = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert second.stdout.strip() == f"Database at revision {HEAD}"
    engine = make_engine(url)
    assert {"poll", "response", "outbox", "identity"} <= set(inspect(engine).get_table_names())


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_the_test_database_is_at_head(engine: Engine) -> None:
    upgrade(engine)
    assert current(engine) == HEAD


def test_a_response_needs_its_poll(engine: Engine) -> None:
    import pytest
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("INSERT INTO response (poll_id, voter_key) VALUES ('missing', 'U1')"))
