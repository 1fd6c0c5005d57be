"""Shared fixtures: a real database (SQLite, or PostgreSQL when DATABASE_URL says so),
the example event, and a sandbox workspace with a clock the test controls."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from bot.core import ManualClock
from bot.devkit import Workspace, free_port, http_transport
from bot.devkit.databases import scratch_database
from bot.event import Event, load_event
from storage.db import make_engine, normalise_url
from storage.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "symposium-2015" / "event.yaml"
SCHEMA = ROOT / "tests" / "data" / "slack" / "manifest.schema.json"  # Slack's, with its licence beside it

# Property tests: a few hundred examples each in CI and on every run of the suite;
# HYPOTHESIS_PROFILE=long tries many more, by hand.
settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile("long", max_examples=5000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL tests run against: DATABASE_URL's server (in a fresh database) or a SQLite file."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql")):
        with scratch_database(url, "convene_test") as database:
            yield database
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'convene.db'}"


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def empty(engine: Engine) -> Engine:
    """Delete every row, the scheduler's job store included."""
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    if "apscheduler_jobs" in inspect(engine).get_table_names():
        tables.append("apscheduler_jobs")
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
    return engine


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    """The migrated database, emptied before each test."""
    return empty(migrated_engine)


@pytest.fixture(scope="session")
def example_event() -> Event:
    return load_event(EXAMPLE)


@pytest.fixture
def clock() -> ManualClock:
    # 9 am in San Diego on April 30, 2015: before anything on the event's schedule.
    return ManualClock(datetime(2015, 4, 30, 16, 0, tzinfo=UTC))


@pytest.fixture
def ws(example_event: Event, engine: Engine, clock: ManualClock) -> Iterator[Workspace]:
    """The example event's bot against a sandbox workspace, driven in-process through Bolt."""
    with Workspace(example_event, clock=clock, engine=engine) as workspace:
        yield workspace


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    """A migrated PostgreSQL database even on the SQLite run; skips if no server answers."""
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql")):
        pytest.skip("the whole suite is already running on PostgreSQL")
    url = os.environ.get("CONVENE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
    try:
        with create_engine(normalise_url(url)).connect():
            pass
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no server here"
        pytest.skip(f"PostgreSQL not reachable at {url} ({type(exc).__name__}); .ci/run starts one")
    with scratch_database(url, "convene_test") as database:
        engine = make_engine(database)
        upgrade(engine)
        yield engine
        engine.dispose()


@pytest.fixture(params=["configured", "postgresql"])
def any_engine(request: pytest.FixtureRequest) -> Engine:
    """The configured database, then PostgreSQL: for tests of behaviour that differs by dialect."""
    if request.param == "configured":
        return request.getfixturevalue("engine")
    return empty(request.getfixturevalue("postgres_engine"))


def wait_until(check: Callable[[], object], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


@contextlib.contextmanager
def serving(
    event: Event, engine: Engine, tmp_path: Path, *, workers: int = 1, env: dict[str, str] | None = None
) -> Iterator[tuple[Workspace, str, Path]]:
    """`convene serve` on the example event as a real process, with the sandbox as its Slack.

    Yields the workspace, the server's URL and its log file; `env` overrides the server's
    environment (SLACK_API_URL, say).
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with Workspace(event, engine=engine, transport=http_transport(f"{url}/slack/events")) as ws:
        env = {
            **os.environ,
            "DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "SLACK_API_URL": ws.sandbox.api_url,
            "SLACK_BOT_TOKEN": ws.sandbox.bot_token,
            "SLACK_SIGNING_SECRET": ws.signing_secret,
            "CONVENE_PUBLIC_URL": url,
            "CONVENE_FILES_DIR": str(tmp_path / "files"),
            "CONVENE_LOG_LEVEL": "INFO",
            **(env or {}),
        }
        # The server's log goes to a file: an unread pipe fills up and stalls the server.
        log_path = tmp_path / "serve.log"
        log = log_path.open("wb")
        command = [sys.executable, "-m", "bot.cli", "serve", str(EXAMPLE), "--port", str(port)]
        proc = subprocess.Popen(
            [*command, "--workers", str(workers)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:

            def healthy() -> bool:
                if proc.poll() is not None:
                    raise AssertionError(log_path.read_text())
                try:
                    with urllib.request.urlopen(f"{url}/healthz", timeout=1) as r:
                        return r.status == 200
                except OSError:
                    return False

            # A guard against a server that never comes up, not a measure of its start: on a
            # loaded 2-core machine, importing the app and migrating can take well over 20 s.
            wait_until(healthy, timeout=90)
            yield ws, url, log_path
        finally:
            proc.terminate()
            proc.wait(timeout=20)
            log.close()


@pytest.fixture
def served(example_event: Event, engine: Engine, tmp_path: Path) -> Iterator[tuple[Workspace, str]]:
    """`convene serve` on the example event as a real process, with the sandbox as its Slack."""
    with serving(example_event, engine, tmp_path) as (ws, url, _log):
        yield ws, url
