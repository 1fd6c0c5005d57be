"""Convene's pytest plugin: the fixtures a test of an event stands on, installed with Convene
(the `pytest11` entry point, as errbot ships its `testbot`).

Point it at an event file, in pytest's configuration (`convene_event = "event.yaml"`, relative
to the root directory) or on the command line (`--convene-event event.yaml`), and a scenario
test is a few lines:

    def test_the_host_asks_for_the_agenda(ws):
        reply = ws.driver.command(ws.user("sam-host"), "/agenda", channel="#summit-plenary")
        assert "Opening plenary" in reply.text

Fixtures: `ws` (the event's bot against a sandbox workspace, driven in-process through Bolt,
built for each test), `engine` (a migrated database emptied before each test: PostgreSQL in a
scratch database when DATABASE_URL names a server, else a SQLite file), `clock` (a hand-moved
clock an hour before the event's first scheduled send), `example_event` (the event),
`database_url` and `migrated_engine` (once per session). A project's own fixtures of the same
names take precedence.

Imports of the bot wait for the first fixture that needs them: loading the plugin costs a
pytest run nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from bot.core import ManualClock
    from bot.devkit.workspace import Workspace
    from bot.event import Event


def pytest_addoption(parser: pytest.Parser) -> None:
    about = "the event file Convene's fixtures run"
    parser.addini("convene_event", f"{about} (relative to the root directory)")
    parser.addoption("--convene-event", help=f"{about} (overrides convene_event)")


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql"))


@pytest.fixture(scope="session")
def example_event(pytestconfig: pytest.Config) -> Event:
    """The event named by --convene-event or the `convene_event` setting."""
    from bot.event import load_event

    given = pytestconfig.getoption("convene_event") or pytestconfig.getini("convene_event")
    if not given:
        raise pytest.UsageError("Convene's fixtures need an event: set convene_event or pass --convene-event")
    path = Path(given)
    if not path.is_absolute():
        path = pytestconfig.rootpath / path
    return load_event(path)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL tests run against: DATABASE_URL's server (in a fresh database) or a SQLite file."""
    from bot.devkit.databases import scratch_database

    url = os.environ.get("DATABASE_URL", "")
    if is_postgres(url):
        with scratch_database(url, "convene_test") as database:
            yield database
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'convene.db'}"


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    from storage.db import make_engine
    from storage.migrate import upgrade

    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    """The migrated database, emptied before each test."""
    from bot.devkit.databases import empty

    return empty(migrated_engine)


@pytest.fixture
def clock(example_event: Event) -> ManualClock:
    """A clock the test moves, an hour before the event's first scheduled send (or session)."""
    from bot.core import ManualClock
    from bot.event import plan

    times = [job.at for job in plan(example_event)]
    times += [example_event.session_start(session) for session in example_event.agenda()]
    return ManualClock(min(times) - timedelta(hours=1))


@pytest.fixture
def ws(example_event: Event, engine: Engine, clock: ManualClock) -> Iterator[Workspace]:
    """The event's bot against a sandbox workspace, driven in-process through Bolt."""
    from bot.devkit.workspace import Workspace

    with Workspace(example_event, clock=clock, engine=engine) as workspace:
        yield workspace
