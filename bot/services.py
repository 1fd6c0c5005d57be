"""The core, assembled: event, database, clock, Slack client, outbox, directory, polls."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock import Clock, SystemClock
from bot.directory import Directory
from bot.event import Event, load_event
from bot.outbox import Delivery, Dispatcher
from bot.polls import PollService, tally
from bot.render import poll_message
from bot.settings import Settings
from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Outbox, Poll


@dataclass
class Services:
    """Everything a handler may call, built once per process."""

    settings: Settings
    event: Event
    engine: Engine
    clock: Clock
    client: WebClient
    directory: Directory
    polls: PollService
    dispatcher: Dispatcher

    @classmethod
    def build(
        cls,
        settings: Settings,
        event: Event | str | Path,
        *,
        clock: Clock | None = None,
        engine: Engine | None = None,
        migrate: bool = True,
    ) -> Services:
        """Load the event, upgrade the database and wire the core together."""
        clock = clock or SystemClock()
        if not isinstance(event, Event):
            event = load_event(event)
        engine = engine or make_engine(settings.database_url)
        if migrate:
            upgrade(engine)
        client = WebClient(
            token=settings.slack_bot_token.get_secret_value() or None,
            base_url=settings.slack_api_url,
            timeout=10,
        )
        directory = Directory(event=event, engine=engine, clock=clock, client=client)
        polls = PollService(
            event=event,
            engine=engine,
            clock=clock,
            directory=directory,
            anonymity_secret=settings.anonymity_secret(),
        )
        polls.sync_from_event()
        dispatcher = Dispatcher(
            engine=engine,
            client=client,
            clock=clock,
            renderers={},
            refresh_interval=settings.refresh_interval,
        )
        services = cls(settings, event, engine, clock, client, directory, polls, dispatcher)
        dispatcher.renderers.update(services.renderers())
        return services

    def renderers(self) -> dict[str, Any]:
        """How each outbox kind becomes a Slack call."""
        tz = self.event.tz

        def stamp() -> str:
            return self.clock.now().astimezone(tz).strftime("%-I:%M:%S %p")

        def poll_post(session: Session, row: Outbox) -> Delivery:
            poll = session.get(Poll, row.payload["poll_id"])
            assert poll is not None
            message = poll_message(poll, tally(session, poll), updated=stamp())

            def remember(session: Session, result: dict[str, Any]) -> None:
                posted = session.get(Poll, row.payload["poll_id"])
                assert posted is not None
                posted.channel_id, posted.message_ts = result.get("channel"), result.get("ts")

            return Delivery("chat.postMessage", {"channel": poll.channel_id, **message}, after=remember)

        def poll_refresh(session: Session, row: Outbox) -> Delivery | None:
            poll = session.get(Poll, row.payload["poll_id"])
            if poll is None or not poll.message_ts:
                return None
            message = poll_message(poll, tally(session, poll), updated=stamp())
            return Delivery("chat.update", {"channel": poll.channel_id, "ts": poll.message_ts, **message})

        def respond(session: Session, row: Outbox) -> Delivery:
            p = row.payload
            return Delivery(
                "response_url",
                {
                    "url": p["response_url"],
                    "text": p["text"],
                    "response_type": "ephemeral",
                    "replace_original": False,
                },
            )

        def ephemeral(session: Session, row: Outbox) -> Delivery:
            p = row.payload
            return Delivery(
                "chat.postEphemeral", {"channel": p["channel"], "user": p["user"], "text": p["text"]}
            )

        def post(session: Session, row: Outbox) -> Delivery:
            return Delivery("chat.postMessage", dict(row.payload))

        return {
            "poll_post": poll_post,
            "poll_refresh": poll_refresh,
            "respond": respond,
            "ephemeral": ephemeral,
            "post": post,
        }
