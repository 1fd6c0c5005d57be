"""A complete bot with no Slack account: the sandbox workspace seeded from the event,
the real core and Bolt app wired to it, and a driver that acts as Slack.

`convene shell`, the tests and rehearsals all stand on this.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import secrets
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy.engine import Engine

from bot.app import Services, create_app
from bot.core import Clock, ManualClock, Settings, SystemClock, TravelClock
from bot.devkit.inprocess import InProcessWebClient, InProcessWebhooks, in_process_listeners, sandbox_opener
from bot.devkit.sandbox import SlackSandbox
from bot.devkit.simulate import SlackDriver, Transport, endpoint_transport
from bot.event import Event
from handlers.web import SlackEndpoint
from storage.db import make_engine


def sandbox_user_id(person_id: str) -> str:
    """A stable, Slack-shaped user id for a roster person who has none."""
    digest = base64.b32encode(hashlib.sha1(person_id.encode()).digest()).decode()
    return "U" + digest[:10]


def event_channels(event: Event) -> list[str]:
    """Every channel the event names, without '#', in a stable order."""
    names = list(event.channels.values())
    for session in event.agenda():
        if session.channel:
            names.append(event.channels.get(session.channel.lstrip("#"), session.channel.lstrip("#")))
    return list(dict.fromkeys(names))


def seed_sandbox(sandbox: SlackSandbox, event: Event, *, absent: frozenset[str] = frozenset()) -> None:
    """Give the sandbox the event's people (but those in `absent`) and channels."""
    for person in event.people.values():
        if person.id in absent:
            continue
        uid = person.slack_id or sandbox_user_id(person.id)
        handle = person.email.split("@")[0] if person.email else person.id
        sandbox.add_user(id=uid, name=handle, real_name=person.name, email=person.email)
    for name in event_channels(event):
        sandbox.add_channel(name=name)


class Workspace:
    """The bot running against a sandbox workspace made from the event."""

    def __init__(
        self,
        event: Event,
        *,
        clock: Clock | None = None,
        engine: Engine | None = None,
        database: str | None = None,
        rate_limits: dict[str, tuple[int, float]] | None = None,
        transport: Transport | None = None,
        settings: dict[str, Any] | None = None,
        absent: frozenset[str] = frozenset(),
        files_dir: Path | None = None,
        in_process: bool = False,
    ) -> None:
        """`absent` lists roster ids of people with no Slack account yet (they can join later).

        With `in_process`, the bot's calls to the sandbox (Web API, response_url, uploads) are
        handed to it in this process instead of over loopback HTTP (`bot.devkit.inprocess`): the
        same client and sandbox code on both sides of the socket, without the socket."""
        self.event = event
        self.clock = clock or SystemClock()
        self.sandbox = SlackSandbox(clock=self.clock, rate_limits=rate_limits).start()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        try:
            seed_sandbox(self.sandbox, event, absent=absent)
            self.signing_secret = secrets.token_hex(16)
            self._files = None if files_dir else tempfile.TemporaryDirectory(prefix="convene-files-")
            self.settings = Settings(
                files_dir=files_dir or Path(self._files.name if self._files else "convene-files"),
                slack_api_url=self.sandbox.api_url,
                slack_bot_token=SecretStr(self.sandbox.bot_token),
                slack_signing_secret=SecretStr(self.signing_secret),
                **(settings or {}),
            )
            if engine is None:
                if database is None:
                    self._tmp = tempfile.TemporaryDirectory(prefix="convene-")
                    database = f"sqlite:///{Path(self._tmp.name) / 'convene.db'}"
                engine = make_engine(database)
            self.engine = engine
            links: dict[str, Any] = {}
            opener = sandbox_opener(self.sandbox) if in_process else None
            if opener is not None:
                links = {
                    "web_client": functools.partial(InProcessWebClient, opener=opener),
                    "webhooks": InProcessWebhooks(opener=opener),
                }
            self.services = Services.build(self.settings, event, clock=self.clock, engine=engine, **links)
            self.services.start(background=False)
            self.app = create_app(self.settings, self.services)
            if opener is not None:
                in_process_listeners(self.app, opener)
            endpoint = SlackEndpoint(self.app, self.signing_secret)
            self.driver = SlackDriver(
                sandbox=self.sandbox,
                signing_secret=self.signing_secret,
                transport=transport or endpoint_transport(endpoint.handle),
            )
        except BaseException:
            self.close()
            raise

    def user(self, ref: str) -> str:
        """The Slack user id of a roster person (id, email or Slack id)."""
        person = self.event.person(ref)
        if person is None:
            raise KeyError(f"{ref!r} is not in the roster")
        slack_id = self.services.directory.slack_id(person.id)
        assert slack_id, f"{person.name} has no Slack id"
        return slack_id

    def deliver(self) -> int:
        """Send everything due in the outbox now."""
        return self.services.dispatcher.drain()

    def run_until(self, when: datetime) -> list[str]:
        """Move the clock to `when`, running each scheduled job at its own instant and delivering
        what it queues; return the ids of the jobs that ran."""
        assert isinstance(self.clock, ManualClock | TravelClock), "run_until needs a clock that can move"
        scheduler = self.services.scheduler
        assert scheduler is not None
        ran = []
        for at, _job_id in scheduler.pending():
            if at > when:
                break
            if at > self.clock.now():
                self.clock.set(at)
            ran += scheduler.run_due(at)
            self.deliver()
        if when > self.clock.now():
            self.clock.set(when)
        self.deliver()
        return ran

    def close(self) -> None:
        if getattr(self, "services", None) is not None:
            self.services.stop()
        self.sandbox.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
        files = getattr(self, "_files", None)
        if files is not None:
            files.cleanup()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
