"""Runs the event's clock: APScheduler jobs from the plan, reconciled on every start.

APScheduler 3 keeps the jobs in its SQLAlchemy job store, in the bot's own
database. Every job is a date job calling `bot.scheduling.jobs:run_job` with its id and
planned instant. APScheduler's own misfire handling is off (it would drop late
jobs silently); `execute` decides instead: within the event's grace period a
late job runs and says "(delayed)", beyond it the job is skipped and organizers
are told. A job's messages and its JobRun record commit together, so a job runs
at most once, and one interrupted by a crash runs again on start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from apscheduler.events import (
    EVENT_ALL_JOBS_REMOVED,
    EVENT_JOB_ADDED,
    EVENT_JOB_MODIFIED,
    EVENT_JOB_REMOVED,
    EVENT_JOB_SUBMITTED,
    EVENT_JOBSTORE_ADDED,
    EVENT_JOBSTORE_REMOVED,
    SchedulerEvent,
)
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_PAUSED, STATE_RUNNING
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.agenda import concerned
from bot.agenda.coverage import round_members, short_of_goal
from bot.agenda.coverage_views import nudge_text
from bot.closing import Closing
from bot.core import Clock, formatting, utc
from bot.delivery import Kind, outbox
from bot.event import Event, PlannedJob, channel_offsets, plan
from bot.headlines import submit_button
from bot.insights import Summaries, Summary
from bot.people import Directory
from bot.polls import PollService, question_card, tally_respondents
from bot.qa import QaService
from bot.scheduling import jobs, reminders
from storage.db import reading, transaction
from storage.models import JobRun, Poll

log = logging.getLogger(__name__)

JOB_FUNC = "bot.scheduling.jobs:run_job"
JOB_TABLE = "apscheduler_jobs"
LATE_AFTER = timedelta(seconds=60)  # later than this, a message says "(delayed)"
# What changes the jobs this process's APScheduler holds: the pending list it keeps is read again.
JOBS_CHANGED = (
    EVENT_JOB_ADDED
    | EVENT_JOB_REMOVED
    | EVENT_JOB_MODIFIED
    | EVENT_JOB_SUBMITTED
    | EVENT_ALL_JOBS_REMOVED
    | EVENT_JOBSTORE_ADDED
    | EVENT_JOBSTORE_REMOVED
)


class _BackgroundScheduler(BackgroundScheduler):
    """BackgroundScheduler that never processes jobs unless running.

    APScheduler 3 checks only for "paused" before processing; a paused
    scheduler being shut down can wake once more in state "stopped" and try to
    submit every due job to an executor that is already gone.
    """

    def _process_jobs(self) -> float | None:
        if self.state != STATE_RUNNING:
            return None
        return super()._process_jobs()  # type: ignore[no-any-return]


@dataclass
class Reconciled:
    """What reconciling the job store with the event file changed."""

    added: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    done: int = 0

    def __str__(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.moved)} moved, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged, {self.done} already done"
        )


class Scheduler:
    """The APScheduler instance and the rules for running Convene's jobs."""

    def __init__(
        self,
        *,
        event: Event,
        engine: Engine,
        clock: Clock,
        directory: Directory,
        polls: PollService,
        closing: Closing,
        summaries: Summaries,
        wake: Callable[[], None],
        qa: QaService | None = None,
    ) -> None:
        self.event = event
        self.engine = engine
        self.clock = clock
        self.directory = directory
        self.polls = polls
        self.closing = closing
        self.summaries = summaries
        self.wake = wake
        self.qa = qa
        self.aps = _BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
            timezone=UTC,
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        )
        self._plan = {job.id: job for job in plan(self.event)}
        # The jobs still to run, as last read from the store (None: read again). Kept only while
        # APScheduler is paused: then this process is alone and every change goes through it.
        self._pending: list[tuple[datetime, str]] | None = None
        self._changes = 0
        self.aps.add_listener(self._jobs_changed, JOBS_CHANGED)
        self.after_job: Callable[[str, str], None] | None = None

    # ------------------------------------------------------------ lifecycle

    def start(self, *, paused: bool = False) -> Reconciled:
        """Start APScheduler and reconcile its jobs with the event file.

        `paused` keeps APScheduler from running jobs on the wall clock: the
        shell and the tests run them with `run_due` as their clock moves.
        """
        jobs.register(self)
        self.aps.start(paused=paused)
        report = self.reconcile()
        log.info("schedule reconciled: %s", report)
        return report

    def shutdown(self) -> None:
        if self.aps.running:
            self.aps.shutdown(wait=True)
        jobs.register(None)

    def reconcile(self) -> Reconciled:
        """Make the job store match the plan: add new jobs, move changed ones, drop removed ones."""
        report = Reconciled()
        with reading(self.engine) as session:
            done = {(r.job_id, utc(r.scheduled_for)) for r in session.exec(select(JobRun))}
        existing = {job.id: job for job in self.aps.get_jobs()}
        done |= self._skip_long_past(done)
        for job_id in existing:
            if job_id not in self._plan:
                self.aps.remove_job(job_id)
                report.removed.append(job_id)
        for planned in self._plan.values():
            current = existing.get(planned.id)
            if (planned.id, planned.at) in done:
                if current is not None:
                    self.aps.remove_job(planned.id)
                report.done += 1
                continue
            if current is not None and current.next_run_time and utc(current.next_run_time) == planned.at:
                report.unchanged += 1
                continue
            self.aps.add_job(
                JOB_FUNC,
                trigger="date",
                run_date=planned.at,
                id=planned.id,
                args=[planned.id, planned.at.isoformat()],
                replace_existing=True,
                name=planned.what,
            )
            (report.moved if current is not None else report.added).append(planned.id)
        return report

    def _skip_long_past(self, done: set[tuple[str, datetime]]) -> set[tuple[str, datetime]]:
        """Record jobs already beyond their grace period at start as skipped, with one report.

        A bot started after (part of) the event would otherwise send organizers
        one warning per missed reminder.
        """
        now = self.clock.now()
        grace = timedelta(minutes=self.event.reminders.grace_minutes)
        missed = [j for j in self._plan.values() if j.at < now - grace and (j.id, j.at) not in done]
        if not missed:
            return set()
        lines = [
            f"• {j.what} (due {formatting.day_and_clock(j.at.astimezone(self.event.tz))})"
            for j in missed[:20]
        ]
        if len(missed) > 20:
            lines.append(f"…and {len(missed) - 20} more")
        text = (
            f":warning: Convene was not running when "
            f"{formatting.count(len(missed), 'scheduled send', 'scheduled sends')} "
            f"{formatting.plural(len(missed), 'was', 'were')} due, so they were skipped:\n" + "\n".join(lines)
        )
        try:
            with transaction(self.engine) as session:
                for job in missed:
                    session.add(
                        JobRun(
                            job_id=job.id,
                            scheduled_for=job.at,
                            ran_at=now,
                            status="skipped",
                            detail="the bot was not running",
                        )
                    )
                key = PlannedJob(f"start:{now:%Y%m%dT%H%M%SZ}", now, "", "")
                private = any(self._about_anonymous(job) for job in missed)
                self._tell_organizers(session, key, text, private=private)
        except IntegrityError:
            return set()  # another process recorded them
        return {(j.id, j.at) for j in missed}

    def describe(self, job_id: str) -> str:
        """What a planned job does, in words ("daily digest: Saturday"); its id if the plan has no
        such job."""
        planned = self._plan.get(job_id)
        return planned.what if planned else job_id

    def pending(self) -> list[tuple[datetime, str]]:
        """Jobs still to run, in time order.

        Reading them unpickles every stored job; while APScheduler is paused (the shell, tests,
        rehearsals: this process runs the jobs with `run_due` and nothing else changes them) the
        list is kept until a job is added, moved or removed."""
        kept = self._pending
        if kept is not None and self.aps.state == STATE_PAUSED:
            return list(kept)
        changes = self._changes
        found = sorted((utc(j.next_run_time), j.id) for j in self.aps.get_jobs() if j.next_run_time)
        if self.aps.state == STATE_PAUSED and changes == self._changes:  # nothing changed meanwhile
            self._pending = found
        return list(found)

    def _jobs_changed(self, _event: SchedulerEvent) -> None:
        self._changes += 1
        self._pending = None

    def run_due(
        self,
        until: datetime | None = None,
        *,
        move_clock: Callable[[datetime], None] | None = None,
    ) -> list[str]:
        """Run, in time order, every job due by `until` (default: now); return their ids.

        With `move_clock`, the clock is set to each job's instant before it
        runs, so what it sends carries the right time (the shell's /clock).
        """
        until = until or self.clock.now()
        ran = []
        for at, job_id in self.pending():
            if at > until:
                break
            if move_clock is not None and at > self.clock.now():
                move_clock(at)
            self.aps.remove_job(job_id)
            self.execute(job_id, at)
            ran.append(job_id)
        return ran

    # ------------------------------------------------------------ running one job

    def execute(self, job_id: str, scheduled_for: datetime) -> str:
        """Run one job once: send it (perhaps marked delayed) or skip and report it; return the status."""
        scheduled_for = utc(scheduled_for)
        planned = self._plan.get(job_id)
        if planned is None:
            log.info("job %s is no longer in the event file; nothing to do", job_id)
            return "gone"
        # Drawing word clouds and charts takes a moment: do it before the transaction opens.
        prepared = self.closing.prepare() if planned.kind == "closing" else None
        summary = self._summary(planned)
        now = self.clock.now()
        late = now - scheduled_for
        grace = timedelta(minutes=self.event.reminders.grace_minutes)
        try:
            with transaction(self.engine) as session:
                already = session.exec(
                    select(JobRun).where(JobRun.job_id == job_id, col(JobRun.scheduled_for) == scheduled_for)
                ).first()
                if already is not None:
                    return "done"
                if late > grace:
                    status = "skipped"
                    grace_min = self.event.reminders.grace_minutes
                    detail = f"{int(late.total_seconds() // 60)} min late (grace {grace_min})"
                    self._report_skip(session, planned, detail)
                else:
                    status = "delayed" if late > LATE_AFTER else "sent"
                    if summary is not None:
                        users = self.summaries.organizers()
                        self.summaries.send(session, summary, users=users, key=self._key(planned))
                        detail = (
                            f"{summary.title} to {formatting.count(len(users), 'organizer', 'organizers')}"
                        )
                    elif prepared is not None:
                        clouds, notes = prepared
                        detail = self.closing.queue(
                            session, key=self._key(planned), clouds=clouds, notes=notes
                        )
                        if notes:
                            self._tell_organizers(
                                session, planned, "The closing session could not show: " + "\n".join(notes)
                            )
                    else:
                        detail = self._perform(session, planned, delayed=status == "delayed") or ""
                session.add(
                    JobRun(
                        job_id=job_id, scheduled_for=scheduled_for, ran_at=now, status=status, detail=detail
                    )
                )
        except IntegrityError:
            return "done"  # another run recorded it first
        self.wake()
        if self.after_job:
            self.after_job(job_id, status)
        return status

    def _summary(self, job: PlannedJob) -> Summary | None:
        summaries = self.summaries
        if summaries is None:
            return None
        if job.kind == "summary":
            return summaries.for_session(job.subject)
        if job.kind == "digest":
            return summaries.digest(date.fromisoformat(job.subject))
        return None

    def _perform(self, session: Session, job: PlannedJob, *, delayed: bool) -> str | None:
        kind = job.kind
        if kind == "reminder":
            return self._channel_reminder(session, job, delayed=delayed)
        if kind == "dm-reminder":
            return self._personal_reminders(session, job, delayed=delayed)
        if kind == "poll-open":
            return self._open_pre_event(session, job)
        if kind == "poll-nudge":
            return self._nudge(session, job)
        if kind == "poll-close":
            return self._close_pre_event(session, job)
        if kind == "breakout-nudge":
            return self._breakout_nudges(session, job)
        if kind in ("qa-open", "qa-close") and self.qa is not None:
            if kind == "qa-open":
                return self.qa.open_on_schedule(session, job.subject)
            return self.qa.close_on_schedule(session, job.subject)
        raise ValueError(f"unknown job kind {kind!r}")

    def _key(self, job: PlannedJob, *parts: str) -> str:
        return ":".join([job.id, job.at.strftime("%Y%m%dT%H%M%SZ"), *parts])

    def _channel_reminder(self, session: Session, job: PlannedJob, *, delayed: bool) -> str:
        directory = self.directory
        sess = self.event.sessions[job.subject]
        minutes = int(job.id.rsplit(":", 1)[1])
        now = self.clock.now()
        sent = []
        # A session for some of the people is not announced to everyone: its audience hears by DM.
        announcements = self.event.channels.get("announcements") if sess.audience is None else None
        if announcements:
            # Parallel sessions share one announcement: whichever job runs first posts it.
            start = self.event.session_start(sess)
            together = [
                s
                for s in self.event.agenda()
                if self.event.session_start(s) == start
                and minutes in channel_offsets(self.event, s)
                and s.audience is None
            ]
            message = reminders.announcement(self.event, directory, together, minutes, delayed=delayed)
            channel = directory.channel(announcements)
            outbox.enqueue(
                session,
                kind=Kind.POST,
                key=f"announce:{start:%Y%m%dT%H%M%SZ}:{minutes}",
                channel=channel,
                payload={"channel": channel, **message, "describe": "an announcement"},
                now=now,
            )
            sent.append(announcements)
        if sess.channel:
            channel = directory.channel(sess.channel)
            if channel != directory.channel(announcements or ""):
                message = reminders.session_reminder(self.event, directory, sess, minutes, delayed=delayed)
                if self._collects_headlines(sess.id):
                    message["blocks"] = [*message["blocks"], submit_button()]
                outbox.enqueue(
                    session,
                    kind=Kind.POST,
                    key=self._key(job, channel),
                    channel=channel,
                    payload={"channel": channel, **message, "describe": f"the reminder for {sess.title}"},
                    now=now,
                )
                sent.append(sess.channel)
        return "posted to " + ", ".join(f"#{c.lstrip('#')}" for c in sent)

    def _personal_reminders(self, session: Session, job: PlannedJob, *, delayed: bool) -> str:
        sess = self.event.sessions[job.subject]
        minutes = int(job.id.rsplit(":", 1)[1])
        text = reminders.personal_reminder(self.event, self.directory, sess, minutes, delayed=delayed)
        blocks = None
        if self._collects_headlines(sess.id):
            blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}, submit_button()]
        return self._dm_each(
            session,
            job,
            concerned(self.event, session, sess),  # dm-reminder jobs exist only for personal sessions
            text,
            describe=f"a reminder for {sess.title}",
            blocks=blocks,
        )

    def _breakout_nudges(self, session: Session, job: PlannedJob) -> str:
        """Before a breakout round: one DM to each member of every team short of the goal,
        saying what is missing (a member of two such teams hears of both in one)."""
        now = self.clock.now()
        short = short_of_goal(self.event, session, job.subject, now)
        texts: dict[str, list[str]] = {}
        for coverage, round_ in short:
            for person in round_members(coverage, job.subject):
                text = nudge_text(self.event, coverage, round_, now=now, you=person)
                texts.setdefault(person.id, []).append(text)
        sent = self._dm_each(
            session, job, list(texts), lambda pid: "\n\n".join(texts[pid]), describe="a breakout nudge"
        )
        return f"{formatting.count(len(short), 'team', 'teams')} short of the goal: {sent}"

    def _collects_headlines(self, session_id: str) -> bool:
        """Whether this session's reminders carry the "Submit a headline" button."""
        return self.event.headlines is not None and self.event.headlines.session == session_id

    def _dm_each(
        self,
        session: Session,
        job: PlannedJob,
        person_ids: list[str],
        text: str | Callable[[str], str],
        *,
        describe: str,
        blocks: list[dict] | None = None,
        anonymous: Poll | None = None,
    ) -> str:
        """DM each person `text` (or `text(person_id)`, for DMs that differ by person). For an
        `anonymous` poll the DMs are private (deleted once final) and keyed by a keyed hash,
        so nothing left behind says who was sent what."""
        now = self.clock.now()
        unreachable = []
        sent = 0
        for person_id in person_ids:
            user = self.directory.slack_id(person_id)
            if user is None:
                unreachable.append(self.event.people[person_id].name)
                continue
            whom = self.polls.voter_key(anonymous, person_id) if anonymous else person_id
            outbox.enqueue_dm(
                session,
                user=user,
                text=text if isinstance(text, str) else text(person_id),
                blocks=blocks,
                now=now,
                key=self._key(job, whom),
                describe=describe,
                private=anonymous is not None,
            )
            sent += 1
        if unreachable:
            names = ", ".join(unreachable[:10]) + (
                f" and {len(unreachable) - 10} more" if len(unreachable) > 10 else ""
            )
            self._tell_organizers(
                session,
                job,
                f"{formatting.count(len(unreachable), 'person', 'people')} could not be sent {describe} "
                f"because they were not found in Slack: {names}.",
            )
        return f"{sent} DMs" + (f", {len(unreachable)} unreachable" if unreachable else "")

    def _open_pre_event(self, session: Session, job: PlannedJob) -> str:
        poll = session.get(Poll, job.subject)
        if poll is None:
            return "poll missing"
        if poll.status == "draft":
            poll.status, poll.launched_at = "open", self.clock.now()
        if poll.kind == "survey":
            intro = f":pray: Thank you for coming to *{self.event.title}*! Please tell us how it went:"
        else:
            intro = f":wave: Before *{self.event.title}*, a question from the organizers:"
        card = question_card(poll, intro=intro)
        return self._dm_each(
            session,
            job,
            self._poll_audience(poll),
            card["text"],
            blocks=card["blocks"],
            describe="the survey" if poll.kind == "survey" else "the pre-event poll",
            anonymous=poll if poll.anonymous else None,
        )

    def _nudge(self, session: Session, job: PlannedJob) -> str:
        poll = session.get(Poll, job.subject)
        if poll is None or poll.status != "open":
            return "poll not open"
        answered = tally_respondents(session, poll, self.polls)
        missing = [pid for pid in self._poll_audience(poll) if pid not in answered]
        reminder = (
            "A reminder: the organizers would love your answers."
            if poll.kind == "survey"
            else "A reminder: we would love your answer before the event."
        )
        card = question_card(poll, intro=f":wave: {reminder}")
        return self._dm_each(
            session,
            job,
            missing,
            card["text"],
            blocks=card["blocks"],
            describe="a nudge",
            anonymous=poll if poll.anonymous else None,
        )

    def _close_pre_event(self, session: Session, job: PlannedJob) -> str:
        poll = session.get(Poll, job.subject)
        if poll is None:
            return "poll missing"
        poll.status, poll.closed_at = "closed", self.clock.now()
        answered = tally_respondents(session, poll, self.polls)
        what = "survey" if poll.kind == "survey" else "pre-event poll"
        message = (
            f"The {what} `{poll.id}` has closed: {formatting.number(len(answered))} of "
            f"{formatting.count(len(self._poll_audience(poll)), 'person', 'people')} answered. "
            f"`/poll results {poll.id}` shows the answers."
        )
        self._tell_organizers(session, job, message)
        return f"{len(answered)} answered"

    def _poll_audience(self, poll: Poll) -> list[str]:
        """Roster ids of the people a poll sent by DM is for."""
        spec = self.event.polls.get(poll.id)
        return [p.id for p in (self.event.audience(spec) if spec else self.event.people.values())]

    def _tell_organizers(
        self, session: Session, job: PlannedJob, text: str, *, private: bool = False
    ) -> None:
        """DM every organizer. A note about an anonymous poll is private: deleted once sent."""
        private = private or self._about_anonymous(job)
        now = self.clock.now()
        for person_id, user in self.directory.organizers():
            outbox.enqueue_dm(
                session,
                user=user,
                text=text,
                now=now,
                key=self._key(job, "organizers", person_id),
                describe="a note to organizers",
                private=private,
            )

    def _about_anonymous(self, job: PlannedJob) -> bool:
        spec = self.event.polls.get(job.subject) if job.kind.startswith("poll-") else None
        return spec is not None and spec.anonymous

    def _report_skip(self, session: Session, job: PlannedJob, detail: str) -> None:
        due = reminders.when(self.event, job.at)
        self._tell_organizers(
            session,
            job,
            f":warning: Skipped {job.what} (due {due}, {job.to}): the bot was "
            f"{detail}, too late for it to still be useful.",
        )
