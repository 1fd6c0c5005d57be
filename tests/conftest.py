"""The suite's own fixtures and settings. The event's bot against a sandbox workspace (`ws`),
its database (`engine`) and the example event come from Convene's pytest plugin
(bot/devkit/pytest_plugin.py), pointed at the example event by `convene_event` in
pyproject.toml; this file sets the clock those tests start at, PostgreSQL beside the configured
database, `convene serve` as a real process, and the property tests' profiles."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

from bot.devkit.pytest_plugin import is_postgres

if TYPE_CHECKING:  # the bot is imported by the fixtures that need it: the unit tier starts light
    from sqlalchemy.engine import Engine

    from bot.core import ManualClock
    from bot.devkit import Workspace
    from bot.event import Event

# pytest's own pytester, for the test of Convene's plugin.
pytest_plugins = ["pytester"]

# Property tests come in three profiles. "ci" (200 examples each) is what CI runs: .ci/run
# sets CI=true, as CI services do. "quick" (25 each) is every other run's default, so the loop
# of edit and test stays short; the same properties run, on fewer examples.
# HYPOTHESIS_PROFILE picks one by name, e.g. HYPOTHESIS_PROFILE=long tries 5000 each, by hand.
settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile(
    "quick", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile("long", max_examples=5000, deadline=None, suppress_health_check=list(HealthCheck))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "quick"))


@pytest.fixture
def clock() -> ManualClock:
    from bot.core import ManualClock

    # 9 am in San Diego on April 30, 2015: before anything on the event's schedule.
    return ManualClock(datetime(2015, 4, 30, 16, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    """A migrated PostgreSQL database even on the SQLite run; skips if no server answers."""
    from sqlalchemy import create_engine

    from bot.devkit.databases import scratch_database
    from storage.db import make_engine, normalise_url
    from storage.migrate import upgrade

    if is_postgres(os.environ.get("DATABASE_URL", "")):
        pytest.skip("this run is on PostgreSQL already: the configured database is PostgreSQL")
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
    from bot.devkit.databases import empty

    if request.param == "configured":
        return request.getfixturevalue("engine")
    return empty(request.getfixturevalue("postgres_engine"))


@pytest.fixture
def served(example_event: Event, engine: Engine, tmp_path: Path) -> Iterator[tuple[Workspace, str]]:
    """`convene serve` on the example event as a real process, with the sandbox as its Slack."""
    from tests.kit.serve import serving

    with serving(example_event, engine, tmp_path) as (ws, url, _log):
        yield ws, url
