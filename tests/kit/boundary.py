"""What the HTTP boundary tests share: the ASGI app driven in-process, raw signed requests,
a digest of every table, and the log records a request left behind."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel
from starlette.testclient import TestClient

from bot.devkit import Workspace
from handlers.web import build_asgi


class Http:
    """A workspace's bot behind its real ASGI app, reached without a socket."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.client = TestClient(build_asgi(ws.app, ws.signing_secret), raise_server_exceptions=False)

    def __enter__(self) -> Http:
        self.client.__enter__()
        self.ws.driver.transport = self.post
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.__exit__(*exc)

    def post(self, body: bytes, headers: Mapping[str, str | bytes]) -> tuple[int, str]:
        response = self.client.post("/slack/events", content=body, headers=headers)
        return response.status_code, response.text

    def signed(self, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, str]:
        """POST `body` with a valid signature (and a form content type unless told otherwise)."""
        all_headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return self.post(body, {**all_headers, **sign_bytes(self.ws.signing_secret, body)})


def sign_bytes(secret: str, body: bytes, timestamp: str | None = None) -> dict[str, str]:
    """Slack's signing headers for any bytes, UTF-8 or not (Slack signs the bytes it sends)."""
    ts = timestamp or str(int(time.time()))
    mac = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + mac.hexdigest()}


def digest(engine: Engine) -> str:
    """Every row of every table, hashed: equal digests mean nothing recorded changed."""
    h = hashlib.sha256()
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            rows = sorted(json.dumps(list(row), default=str) for row in conn.execute(sa.select(table)))
            h.update(f"{table.name}:{len(rows)}:{''.join(rows)}".encode())
    return h.hexdigest()


class Records(logging.Handler):
    """Every log record, at every level, from every logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def troubles(self) -> list[str]:
        """Records with a traceback or at ERROR and above."""
        return [
            f"{r.levelname} {r.name}: {r.getMessage()}"
            for r in self.records
            if r.exc_info or r.levelno >= logging.ERROR
        ]

    def quoting(self, *secrets: str) -> list[str]:
        """Records whose text (arguments and traceback included) contains any of `secrets`."""
        found = []
        for r in self.records:
            text = r.getMessage() + (logging.Formatter().formatException(r.exc_info) if r.exc_info else "")
            if any(s and s in text for s in secrets):
                found.append(f"{r.levelname} {r.name}: {text[:300]}")
        return found


@contextmanager
def recording() -> Iterator[Records]:
    """Collect every log record while the block runs."""
    root = logging.getLogger()
    handler, level = Records(), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def payload_body(payload: Any) -> bytes:
    """An interactivity request's form body around any JSON value."""
    from urllib.parse import urlencode

    return urlencode({"payload": json.dumps(payload)}).encode()
