"""Scratch databases for tests and benchmarks, which must not touch anyone's data, and
emptying one between tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import storage.models  # noqa: F401 - the tables SQLModel's metadata lists
from storage.db import normalise_url


@contextmanager
def scratch_database(server_url: str, prefix: str) -> Iterator[str]:
    """A new, empty database on the PostgreSQL server at `server_url`, dropped afterwards;
    yields its URL. For tests and benchmarks, which must not touch anyone's data."""
    admin = create_engine(normalise_url(server_url), isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield f"{normalise_url(server_url).rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def empty(engine: Engine) -> Engine:
    """Delete every row, the scheduler's job store included; return the engine."""
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
