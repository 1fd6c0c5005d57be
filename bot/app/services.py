"""The core, assembled: event, database, clock, Slack client, outbox, directory, polls."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.agenda.service import Agenda
from bot.app.leader import Leadership
from bot.closing.service import Closing
from bot.core.clock import Clock, SystemClock
from bot.core.settings import Settings
from bot.delivery import outbox
from bot.delivery.dispatcher import Delivery, Dispatcher
from bot.displays.service import Displays
from bot.event.spec import Event, load_event
from bot.headlines.service import HeadlineService
from bot.insights.summaries import Summaries
from bot.people.directory import Directory
from bot.polls.service import PollService, tally
from bot.polls.views import poll_message
from bot.scheduling.scheduler import Scheduler
from storage.db import make_engine
from storage.locks import Lease, startup_lock
from storage.migrate import upgrade
from storage.models import Outbox, Poll

log = logging.getLogger(__name__)

_DESCRIBE = {
    "poll_post": "a poll",
    "poll_refresh": "a poll update",
    "respond": "a reply",
    "ephemeral": "a reply",
    "post": "a message",
    "dm": "a direct message",
    "upload": "a file",
}


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
    agenda: Agenda
    headlines: HeadlineService
    scheduler: Scheduler | None = None
    closing: Closing | None = None
    displays: Displays | None = None
    summaries: Summaries | None = None
    leadership: Leadership | None = None

    @property
    def files_dir(self) -> Path:
        """Where word clouds and reports are written."""
        return self.settings.files_dir

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
        with startup_lock(engine):  # processes starting together take turns
            if migrate:
                upgrade(engine)
            services = cls._wire(settings, event, clock, engine)
            services.polls.sync_from_event()
        return services

    @classmethod
    def _wire(cls, settings: Settings, event: Event, clock: Clock, engine: Engine) -> Services:
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
        dispatcher = Dispatcher(
            engine=engine,
            client=client,
            clock=clock,
            renderers={},
            refresh_interval=settings.refresh_interval,
        )
        agenda = Agenda(event=event, engine=engine, clock=clock)
        headlines = HeadlineService(event=event, engine=engine, clock=clock, directory=directory)
        services = cls(
            settings, event, engine, clock, client, directory, polls, dispatcher, agenda, headlines
        )
        dispatcher.renderers.update(services.renderers())
        dispatcher.on_failure = services.report_failure
        services.scheduler = Scheduler(services)
        services.closing = Closing(services)
        services.displays = Displays(services)
        services.summaries = Summaries(services)

        return services

    def start(self, *, background: bool = True) -> None:
        """Connect to the workspace and start the clock.

        Matches roster people and channels to Slack, then (with `background`)
        takes part in the lead among the processes on this database: the
        leader settles sends a crash interrupted, reconciles scheduled jobs
        with the event file and runs the scheduler and the outbox dispatcher in
        threads; the others answer Slack and wait to take over. Without
        `background` (shell, tests) this process is alone: jobs run when
        `scheduler.run_due` is called and messages go when `dispatcher.drain` is.
        """
        unmatched = self.directory.resolve(self.client)
        if unmatched:
            log.warning(
                "%d roster people not found in Slack: %s",
                len(unmatched),
                ", ".join(p.name for p in unmatched[:10]),
            )
        missing = self.directory.resolve_channels(self.client)
        if missing:
            log.warning("channels not found in Slack: %s", ", ".join(f"#{m}" for m in missing))
        assert self.scheduler is not None
        if background:
            self.leadership = Leadership(Lease(self.engine), on_lead=self._lead, on_lose=self._follow)
            if not self.leadership.start():
                log.info("another process leads; this one answers Slack and stands by")
        else:
            self.dispatcher.recover()
            self.scheduler.start(paused=True)

    def _lead(self) -> None:
        assert self.scheduler is not None
        self.dispatcher.start()
        self.scheduler.start()

    def _follow(self) -> None:
        assert self.scheduler is not None
        self.scheduler.shutdown()
        self.dispatcher.stop()

    def stop(self) -> None:
        """Stop the scheduler and the dispatcher and give up the lead (safe to call twice)."""
        if self.leadership is not None:
            self.leadership.stop()
        if self.scheduler is not None:
            self.scheduler.shutdown()
        self.dispatcher.stop()

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
            args = {k: v for k, v in row.payload.items() if k != "describe"}
            return Delivery("chat.postMessage", args)

        def dm(session: Session, row: Outbox) -> Delivery:
            p = row.payload
            args = {"channel": p["user"], "text": p["text"]}
            if p.get("blocks"):
                args["blocks"] = p["blocks"]
            return Delivery("chat.postMessage", args)

        def upload(session: Session, row: Outbox) -> Delivery:
            p = row.payload
            args = {
                "channel": p["channel"],
                "file": p["path"],
                "filename": p["filename"],
                "title": p["title"],
                "alt_txt": p["alt_txt"],
                "initial_comment": p.get("initial_comment"),
            }
            return Delivery("files_upload_v2", args)

        return {
            "upload": upload,
            "poll_post": poll_post,
            "poll_refresh": poll_refresh,
            "respond": respond,
            "ephemeral": ephemeral,
            "post": post,
            "dm": dm,
        }

    def report_failure(self, session: Session, row: Outbox, reason: str) -> None:
        """Tell every organizer, by DM, what could not be delivered and why."""
        if row.key.startswith("failure:"):
            return  # a report that cannot be delivered is only logged
        what = row.payload.get("describe") or _DESCRIBE.get(row.kind, "a message")
        where = row.channel or row.payload.get("channel")
        place = ""
        if where and where.startswith(("U", "W")):
            place = f" to {self.directory.display(where)}"
        elif where:
            place = f" in <#{where}>"
        text = f":warning: Convene could not deliver {what}{place}: {reason}."
        now = self.clock.now()
        for person_id in self.event.organizers:
            organizer = self.directory.slack_id(person_id)
            if organizer:
                outbox.enqueue_dm(
                    session,
                    user=organizer,
                    text=text,
                    now=now,
                    key=f"failure:{row.id}:{person_id}",
                    describe="a delivery-failure report",
                )
