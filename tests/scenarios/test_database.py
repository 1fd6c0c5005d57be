"""Schema migrations and the database settings Convene relies on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from storage.db import make_engine
from storage.migrate import MIGRATIONS, current, upgrade

# The PostgreSQL pass of CI runs these: migrations and the schema.
pytestmark = pytest.mark.database

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


def test_upgrading_forgets_who_answered_an_anonymous_poll(tmp_path: Path) -> None:
    """A database written before 0007 kept an anonymous answer's role and order, who ran the
    poll, and its delivered confirmations: upgrading clears them and leaves named polls alone."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0006")
    with engine.begin() as conn:
        for poll_id, anonymous in (("eval", True), ("named", False)):
            conn.execute(
                text(
                    "INSERT INTO poll (id, question, kind, options, anonymous, results, source, "
                    "status, launched_by) "
                    "VALUES (:id, 'Q?', 'rating', '[]', :anon, 'live', 'event', 'open', 'U0STAFF')"
                ),
                {"id": poll_id, "anon": anonymous},
            )
        for n in range(1, 9):
            for poll_id in ("eval", "named"):
                conn.execute(
                    text(
                        "INSERT INTO response (poll_id, voter_key, user_id, role, choices, updated_at) "
                        "VALUES (:poll, :key, :user, 'superintendent', '[4]', '2015-05-09 10:00:00')"
                    ),
                    {
                        "poll": poll_id,
                        "key": f"{poll_id}-{n}",
                        "user": None if poll_id == "eval" else f"U{n}",
                    },
                )
        conn.execute(
            text(
                "INSERT INTO outbox (key, kind, channel, payload, status, attempts) VALUES "
                "('c1', 'respond', NULL, "
                '\'{"private": true, "text": "Recorded your anonymous answer"}\', \'failed\', 8), '
                "('c2', 'dm', 'U9', '{\"text\": \"hello\"}', 'sent', 1)"
            )
        )
    upgrade(engine)
    with engine.connect() as conn:
        anon = conn.execute(text("SELECT id, role, updated_at FROM response WHERE poll_id = 'eval'")).all()
        named = conn.execute(text("SELECT id, role FROM response WHERE poll_id = 'named' ORDER BY id")).all()
        polls = dict(conn.execute(text("SELECT id, launched_by FROM poll")).all())
        keys = [row[0] for row in conn.execute(text("SELECT key FROM outbox"))]
    assert len(anon) == 8 and all(role is None and at is None for _id, role, at in anon)
    assert all(row_id >= 2**30 for row_id, _role, _at in anon)  # redrawn: no longer the voting order
    assert [role for _id, role in named] == ["superintendent"] * 8
    assert polls == {"eval": None, "named": "U0STAFF"}
    assert keys == ["c2"]
