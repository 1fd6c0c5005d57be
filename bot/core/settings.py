"""Runtime settings from the environment (and a .env file), validated by pydantic."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.db import DEFAULT_URL

SLACK_API_URL = "https://slack.com/api/"


class Settings(BaseSettings):
    """Everything Convene reads from its environment.

    Secrets come only from the environment; nothing here is written to the database.
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field(default=DEFAULT_URL, validation_alias="DATABASE_URL")
    slack_bot_token: SecretStr = Field(default=SecretStr(""), validation_alias="SLACK_BOT_TOKEN")
    slack_app_token: SecretStr = Field(default=SecretStr(""), validation_alias="SLACK_APP_TOKEN")
    slack_signing_secret: SecretStr = Field(default=SecretStr(""), validation_alias="SLACK_SIGNING_SECRET")
    slack_api_url: str = Field(default=SLACK_API_URL, validation_alias="SLACK_API_URL")
    anonymity_key: SecretStr = Field(default=SecretStr(""), validation_alias="CONVENE_ANONYMITY_KEY")
    refresh_interval: float = Field(default=2.0, validation_alias="CONVENE_REFRESH_SECONDS", ge=0.5)
    files_dir: Path = Field(default=Path("convene-files"), validation_alias="CONVENE_FILES_DIR")
    # Where the room's-screen pages are reached: the public address of `convene serve`, or of
    # the pages `convene run` serves (by default there, its own host and display port).
    public_url: str = Field(default="http://127.0.0.1:3000", validation_alias="CONVENE_PUBLIC_URL")
    # The port `convene run` serves the room's-screen pages on (Socket Mode has no other web side).
    display_port: int = Field(default=3000, validation_alias="CONVENE_DISPLAY_PORT", ge=0, le=65535)
    # `convene serve`'s edge (bot.app.edge): seconds a request may take to arrive whole (headers
    # and body; Slack sends each in one go), and the connections one process keeps open.
    read_timeout: float = Field(default=10.0, validation_alias="CONVENE_READ_TIMEOUT", gt=0)
    max_connections: int = Field(default=4096, validation_alias="CONVENE_MAX_CONNECTIONS", ge=16)
    max_connections_per_address: int = Field(
        default=256, validation_alias="CONVENE_MAX_CONNECTIONS_PER_ADDRESS", ge=1
    )

    def anonymity_secret(self) -> bytes | None:
        """The key that turns a voter into an unlinkable de-duplication token (None if neither
        CONVENE_ANONYMITY_KEY nor SLACK_SIGNING_SECRET is set).

        Kept out of the database on purpose: whoever reads the database alone
        cannot recompute which token belongs to which person.
        """
        raw = self.anonymity_key.get_secret_value() or self.slack_signing_secret.get_secret_value()
        if not raw:
            return None
        return hashlib.sha256(b"convene-anonymity:" + raw.encode()).digest()


def slack_client_logger() -> logging.Logger:
    """The logger the Slack clients write to. It never goes below INFO, whatever
    CONVENE_LOG_LEVEL says: at DEBUG the Slack SDK logs whole request and response bodies
    (forms with their metadata, replies with a person's answer), which would link people
    to anonymous answers."""
    logger = logging.getLogger("convene.slack")
    logger.setLevel(logging.INFO)
    return logger


# Seconds: the same message from the same place is written at most once per this interval.
REPEAT_INTERVAL = 10.0
# `extra=PACED` on a log call whose own loop already spaces it out (a retry with backoff): each
# such line is written, one per attempt, however alike they are.
PACED = {"paced": True}


class OncePerInterval(logging.Filter):
    """Lets a message (one logger, one format string, one level) through at most once per
    `interval` seconds; the next one through says how many were held back meanwhile.

    A flood of one failure (a thousand clients going away, a full file table) is then a few
    lines with a count, not a log that buries everything else and fills the disk.
    """

    def __init__(self, interval: float = REPEAT_INTERVAL) -> None:
        super().__init__()
        self.interval = interval
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, int, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "paced", False):
            return True
        key = (record.name, record.levelno, str(record.msg))
        now = time.monotonic()
        with self._lock:
            last, held = self._seen.get(key, (-self.interval, 0))
            if now - last < self.interval:
                self._seen[key] = (last, held + 1)
                return False
            self._seen[key] = (now, 0)
            if len(self._seen) > 10_000:  # messages built without %-arguments: forget the oldest
                self._seen.pop(next(iter(self._seen)))
        if held:
            record.msg = f"{record.msg} [and {held} more like this in the last {now - last:.0f} s]"
        return True


def configure_logging() -> None:
    """Log to stderr at CONVENE_LOG_LEVEL (INFO by default); each server worker process calls it too.

    The handler it makes, and uvicorn's when uvicorn has set up its own, write a repeated
    message once per `REPEAT_INTERVAL` with a count (`OncePerInterval`).
    """
    root = logging.getLogger()
    theirs = list(root.handlers)
    logging.basicConfig(
        level=os.environ.get("CONVENE_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s",
    )
    # Only the stream handler made here and uvicorn's own: a handler someone else set up (a
    # test's log capture, say) keeps every record it is given.
    ours = [h for h in root.handlers if h not in theirs]
    once = OncePerInterval()
    uvicorns = [h for name in ("uvicorn", "uvicorn.error") for h in logging.getLogger(name).handlers]
    for handler in ours + uvicorns:
        if type(handler) is not logging.StreamHandler:
            continue
        if not any(isinstance(f, OncePerInterval) for f in handler.filters):
            handler.addFilter(once)
