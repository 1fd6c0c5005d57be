"""PostgreSQL connections carry the keepalive and timeout options the lead relies on, and keep
any server options the operator's DATABASE_URL already sets."""

from __future__ import annotations

from storage.db import PG_CONNECT_ARGS, _connect_args


def test_the_urls_own_server_options_are_kept_beside_the_keepalives() -> None:
    options = _connect_args("postgresql+psycopg://u@db/convene?options=-c%20search_path%3Devents")["options"]
    assert options.startswith(PG_CONNECT_ARGS["options"]) and options.endswith("-c search_path=events")


def test_without_options_in_the_url_the_keepalives_alone() -> None:
    assert _connect_args("postgresql+psycopg://u@db/convene") == PG_CONNECT_ARGS
