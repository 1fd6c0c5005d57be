"""The composition root: every service built once, in one pass, and started and stopped together."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.agenda import Agenda
from bot.app.leader import Leadership
from bot.app.reach import TokenRefused, check_token, wait_for_slack, why_unreachable
from bot.closing import Closing
from bot.core import Clock, Settings, SystemClock, slack_client_logger
from bot.delivery import Dispatcher, FailureReports, Renderers, Replies, Webhooks
from bot.delivery import renderers as basic_renderers
from bot.displays import Displays
from bot.event import Event, load_event
from bot.headlines import HeadlineService
from bot.insights import Report, Summaries
from bot.people import Directory
from bot.polls import PollService
from bot.polls import views as poll_views
from bot.qa import QaService
from bot.qa import views as qa_views
from bot.scheduling import Scheduler
from handlers.core import Core
from storage.db import make_engine
from storage.locks import Lease, startup_lock
from storage.migrate import upgrade

log = logging.getLogger(__name__)

# A leader that Slack has left unanswered this long (seconds since the first call it did not
# answer, and a call times out after 10) hands the lead on to a host that may reach Slack.
SLACK_GIVES_UP = 10.0
SLACK_TIMEOUT = 10


@dataclass
class Services:
    """Every service of one process. Components never see this object: each was given the
    few services it uses; `core` is the part the Slack listeners see."""

    settings: Settings
    event: Event
    engine: Engine
    clock: Clock
    client: WebClient
    directory: Directory
    dispatcher: Dispatcher
    polls: PollService
    qa: QaService
    headlines: HeadlineService
    agenda: Agenda
    closing: Closing
    displays: Displays
    summaries: Summaries
    report: Report
    scheduler: Scheduler
    core: Core
    leadership: Leadership | None = field(default=None)
    # Sends the confirmations of the votes this process takes (see `start`).
    own_replies: Dispatcher | None = field(default=None)
    slack_reached: bool = field(default=False)
    _stopping: threading.Event = field(default_factory=threading.Event, repr=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _waiting: threading.Thread | None = field(default=None, repr=False)

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
        web_client: Callable[..., WebClient] = WebClient,
        webhooks: Webhooks | None = None,
    ) -> Services:
        """Load the event, upgrade the database and wire the core together.

        `web_client` makes the client for Slack's Web API, `webhooks` posts replies to a
        response_url: the defaults speak HTTP; a sandbox in the same process can be reached
        without sockets (bot.devkit.inprocess)."""
        loaded = event if isinstance(event, Event) else load_event(event)
        engine = engine or make_engine(settings.database_url)
        with startup_lock(engine):  # processes starting together take turns
            if migrate:
                upgrade(engine)
            services = cls.wire(
                settings, loaded, clock or SystemClock(), engine, web_client=web_client, webhooks=webhooks
            )
            services.polls.sync_from_event()
        return services

    @classmethod
    def wire(
        cls,
        settings: Settings,
        event: Event,
        clock: Clock,
        engine: Engine,
        *,
        web_client: Callable[..., WebClient] = WebClient,
        webhooks: Webhooks | None = None,
    ) -> Services:
        """Build every service, each from the few others it uses."""
        client = web_client(
            token=settings.slack_bot_token.get_secret_value() or None,
            base_url=settings.slack_api_url,
            timeout=SLACK_TIMEOUT,
            logger=slack_client_logger(),
            # The SDK would resend a call whose connection dropped, and post twice a message
            # that Slack had already posted: the dispatcher retries, after looking first.
            retry_handlers=[],
        )
        directory = Directory(event=event, engine=engine, clock=clock, client=client)
        renderers = Renderers()
        basic_renderers.register(renderers)
        poll_views.register(renderers, event=event, clock=clock)
        dispatcher = Dispatcher(
            engine=engine,
            client=client,
            clock=clock,
            renderers=renderers,
            refresh_interval=settings.refresh_interval,
            on_failure=FailureReports(directory=directory, clock=clock),
            webhooks=webhooks,
        )
        wake = dispatcher.wake
        polls = PollService(
            event=event,
            engine=engine,
            clock=clock,
            directory=directory,
            anonymity_secret=settings.anonymity_secret(),
        )
        qa = QaService(
            event=event,
            engine=engine,
            clock=clock,
            directory=directory,
            anonymity_secret=settings.anonymity_secret(),
        )
        qa_views.register(renderers, event=event, clock=clock, board=qa.board_in)
        headlines = HeadlineService(event=event, engine=engine, clock=clock, directory=directory)
        agenda = Agenda(event=event, engine=engine, clock=clock)
        closing = Closing(
            event=event,
            engine=engine,
            clock=clock,
            directory=directory,
            headlines=headlines,
            files_dir=settings.files_dir,
            wake=wake,
        )
        displays = Displays(
            event=event,
            engine=engine,
            clock=clock,
            directory=directory,
            polls=polls,
            headlines=headlines,
            closing=closing,
            qa=qa,
            public_url=settings.public_url,
        )
        summaries = Summaries(
            event=event,
            engine=engine,
            clock=clock,
            directory=directory,
            polls=polls,
            headlines=headlines,
            closing=closing,
            files_dir=settings.files_dir,
            qa=qa,
        )
        report = Report(
            event=event,
            engine=engine,
            directory=directory,
            polls=polls,
            headlines=headlines,
            closing=closing,
            qa=qa,
        )
        scheduler = Scheduler(
            event=event,
            engine=engine,
            clock=clock,
            directory=directory,
            polls=polls,
            closing=closing,
            summaries=summaries,
            wake=wake,
            qa=qa,
        )
        core = Core(
            event=event,
            clock=clock,
            directory=directory,
            replies=Replies(engine=engine, clock=clock, wake=wake, wake_replies=dispatcher.wake_replies),
            polls=polls,
            qa=qa,
            headlines=headlines,
            agenda=agenda,
            closing=closing,
            displays=displays,
            summaries=summaries,
        )
        return cls(
            settings=settings,
            event=event,
            engine=engine,
            clock=clock,
            client=client,
            directory=directory,
            dispatcher=dispatcher,
            polls=polls,
            qa=qa,
            headlines=headlines,
            agenda=agenda,
            closing=closing,
            displays=displays,
            summaries=summaries,
            report=report,
            scheduler=scheduler,
            core=core,
        )

    def start(self, *, background: bool = True) -> None:
        """Connect to the workspace and start the clock.

        Matches roster people and channels to Slack, then (with `background`)
        takes part in the lead among the processes on this database: the
        leader settles sends a crash interrupted, reconciles scheduled jobs
        with the event file and runs the scheduler and the outbox dispatcher in
        threads; the others answer Slack and wait to take over. Without
        `background` (shell, tests) this process is alone: jobs run when
        `scheduler.run_due` is called and messages go when `dispatcher.drain` is.

        With `background`, a Slack that cannot be reached does not stop the start: it is
        asked again with backoff in a thread (`reach.wait_for_slack`), one line per try,
        while this process answers requests; it matches the roster and takes part in the
        lead once Slack answers. A token Slack refuses raises TokenRefused.
        """
        if not background:
            self._match_workspace()
            self.slack_reached = True
            self.dispatcher.recover()
            self.scheduler.start(paused=True)
            return
        self.send_own_replies()
        try:
            check_token(self.client)
        except (OSError, SlackApiError):
            self._waiting = threading.Thread(
                target=self._connect_when_reached, name="convene-reach", daemon=True
            )
            self._waiting.start()
        else:
            self._connect()

    def _match_workspace(self) -> None:
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

    def _connect_when_reached(self) -> None:
        while wait_for_slack(self.client, stop=self._stopping):
            try:
                self._connect()
                return
            except OSError as exc:  # Slack went away again between the two calls
                log.warning("Slack stopped answering while matching the roster (%s)", why_unreachable(exc))
            except TokenRefused as exc:
                log.error("%s", exc)
                return

    def _connect(self) -> None:
        self._match_workspace()
        with self._guard:
            if self._stopping.is_set():
                return
            self.slack_reached = True
            self.leadership = Leadership(
                Lease(self.engine),
                on_lead=self._lead,
                on_lose=self._follow,
                able=lambda: self.dispatcher.slack_silent_for() < SLACK_GIVES_UP,
                recovered=self.dispatcher.reach_slack,
            )
            if not self.leadership.start():
                log.info("another process leads; this one answers Slack and stands by")

    def readiness(self) -> dict[str, str]:
        """What keeps this process from being ready, by part (database, slack, lead); empty when ready."""
        problems: dict[str, str] = {}
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - any failure means "does not answer"
            problems["database"] = f"does not answer ({type(exc).__name__})"
        silent = self.dispatcher.slack_silent_for()
        if not self.slack_reached:
            problems["slack"] = "not reached yet"
        elif silent > 0:
            problems["slack"] = f"has not answered for {silent:.0f} s"
        if self.leadership is None or not self.leadership.held:
            problems["lead"] = "no process holds it"
        return problems

    def send_own_replies(self) -> None:
        """From now on, leader or not, this process posts the confirmations of the votes it takes
        itself, each once its vote has committed, over its own kept-alive connections; the leader
        takes over any that such a process leaves unsettled (it died, or lost the database)."""
        if self.own_replies is not None:
            return
        self.own_replies = Dispatcher(
            engine=self.engine,
            client=self.client,
            clock=self.clock,
            renderers=self.dispatcher.renderers,
            pacer=self.dispatcher.pacer,  # a 429 holds the method for both senders of this process
            on_failure=self.dispatcher.on_failure,
            own_replies=True,
        )
        self.own_replies.start()
        self.polls.own_replies = self.own_replies

    def _lead(self) -> None:
        assert self.leadership is not None
        # Each send waits on the lease: a leader cut off from the database stops sending
        # before another host can take over.
        self.dispatcher.start(fence=self.leadership.lease.valid)
        self.scheduler.start()

    def _follow(self) -> None:
        self.scheduler.shutdown()
        self.dispatcher.stop()

    def stop(self) -> None:
        """Stop the scheduler and the dispatcher and give up the lead (safe to call twice)."""
        with self._guard:
            self._stopping.set()
        if self._waiting is not None:
            self._waiting.join(timeout=SLACK_TIMEOUT + 5)
        if self.leadership is not None:
            self.leadership.stop()
        self.scheduler.shutdown()
        self.dispatcher.stop()
        if self.own_replies is not None:
            self.polls.own_replies = None
            self.own_replies.stop()
