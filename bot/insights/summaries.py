"""Summaries for organizers: after each session, a daily digest, and `/summary now`.

Built from `bot.insights.results`, so the rule that anonymous results show only in
groups of five or more holds here too; charts are PNGs uploaded to the
organizer's DM through the outbox.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.closing import Closing
from bot.core import Clock, formatting
from bot.delivery import Kind, outbox
from bot.event import Event, PollKind
from bot.headlines import HeadlineService
from bot.insights.charts import participation_chart, results_chart
from bot.insights.results import (
    PollResult,
    answered,
    delivery_problems,
    participation,
    poll_result,
    top_words,
)
from bot.people import Directory
from bot.polls import (
    FEWER,
    NO_ANSWERS,
    WITHHELD,
    PollService,
    order_in_brief,
    standing_figures,
    standings,
    survey_lines,
    top_two,
)
from bot.qa import QaService, summary_lines
from bot.slack import mrkdwn
from storage.db import reading, transaction
from storage.models import Poll

SECTION = 2900
NO_POLLS = (
    "_No poll people answer for themselves has run yet (team polls count teams, in their "
    "results): participation shows once one has._"
)


@dataclass
class Summary:
    """A summary ready to send: mrkdwn sections and chart images."""

    title: str
    sections: list[str]
    charts: list[tuple[str, bytes]] = field(default_factory=list)
    # About an anonymous poll: its DMs are deleted once sent, so no row keeps the poll beside a person.
    private: bool = False

    def blocks(self) -> list[dict[str, Any]]:
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": {"type": "plain_text", "text": self.title[:150]}}
        ]
        for text in self.sections:
            for i in range(0, len(text), SECTION):
                blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[i : i + SECTION]}})
        return blocks[:50]


def describe_result(result: PollResult) -> str:
    """A poll's result in a few mrkdwn lines."""
    poll, t = result.poll, result.tally
    lines = [f"*{mrkdwn(poll.question)}* (`{poll.id}`): {answered(result)}"]
    if poll.kind == PollKind.OPEN_TEXT:
        return lines[0]
    if t.withheld:
        return "\n".join([*lines, WITHHELD])
    if poll.kind == PollKind.SURVEY:
        return "\n".join(lines + survey_lines(t.survey))
    if poll.kind == PollKind.RANKING:
        return "\n".join(lines + ranking_summary(result))
    if not t.respondents:
        return "\n".join([*lines, NO_ANSWERS])
    if poll.kind == PollKind.RATING:
        lines.append(f"{t.agree_share()}% {top_two(poll)} (n = {t.respondents}), average {t.average:.1f}")
        sides = [
            f"{g.label} {g.agree()}% (n = {g.respondents})" if not g.hidden else f"{g.label}: {FEWER}"
            for g in result.by_side
        ]
        if sides:
            lines.append("By side: " + " · ".join(sides))
    else:
        ranked = sorted(range(len(result.labels)), key=lambda i: -t.counts[i])[:3]
        lines.append(
            " · ".join(f"{mrkdwn(result.labels[i])} {t.counts[i]} ({t.percent(i)}%)" for i in ranked)
        )
    return "\n".join(lines)


def ranking_summary(result: PollResult) -> list[str]:
    """A ranking poll's first three options with their figures, and each side's own order."""
    ranking = result.tally.ranking
    if ranking is None or not ranking.respondents:
        return []
    top = [f"{n}. {mrkdwn(s.label)} ({standing_figures(s)})" for n, s in enumerate(ranking.standings[:3], 1)]
    lines = [" · ".join(top)]
    sides = []
    for g in result.by_side:
        if g.counts is None:
            sides.append(f"{g.label}: {FEWER}")
        else:
            order = order_in_brief(standings(result.labels, g.counts, g.respondents or 0))
            sides.append(f"{g.label} (n = {g.respondents}): {order}")
    if sides:
        lines.append("By side: " + " · ".join(sides))
    return lines


class Summaries:
    """Builds and sends organizer summaries."""

    def __init__(
        self,
        *,
        event: Event,
        engine: Engine,
        clock: Clock,
        directory: Directory,
        polls: PollService,
        headlines: HeadlineService,
        closing: Closing,
        files_dir: Path,
        qa: QaService | None = None,
    ) -> None:
        self.event = event
        self.engine = engine
        self.clock = clock
        self.directory = directory
        self.polls = polls
        self.headlines = headlines
        self.closing = closing
        self.files_dir = files_dir
        self.qa = qa

    def _results(self, session: Session, polls: list[Poll]) -> list[PollResult]:
        return [poll_result(session, self.polls, p) for p in polls]

    def for_session(self, session_id: str) -> Summary:
        spec = self.event.sessions[session_id]
        with reading(self.engine) as session:
            polls = list(
                session.exec(select(Poll).where(Poll.session_id == session_id, Poll.status != "draft"))
            )
            results = self._results(session, polls)
        start, end = self.event.local(spec.day, spec.start), self.event.local(spec.day, spec.end)
        sections = [f"{formatting.time_range(start, end)} · {mrkdwn(spec.room or '')}".rstrip(" ·")]
        if results:
            sections += [describe_result(r) for r in results]
        else:
            sections.append("_No polls ran in this session._")
        if self.qa is not None and (board := self.qa.find(session_id)) is not None:
            sections.append(summary_lines(board))
        charts = [(f"{r.poll.id}.png", png) for r in results if (png := results_chart(r))]
        private = any(p.anonymous for p in polls)
        return Summary(title=f"Summary: {spec.title}", sections=sections, charts=charts, private=private)

    def send_now(self, user: str) -> Summary:
        """Today's digest so far, queued by DM to one organizer who asked for it."""
        summary = self.digest()
        with transaction(self.engine) as session:
            self.send(session, summary, users=[user], key=f"summary-now:{uuid.uuid4().hex[:8]}")
        return summary

    def digest(self, day: date | None = None) -> Summary:
        """Everything on `day`; by default, today so far (in the event's time zone).

        Participation counts every poll launched by the day's end (the pre-event poll and
        surveys by DM too), out of the people they were for; before any poll, it says so."""
        day = day or self.clock.now().astimezone(self.event.tz).date()
        since = datetime.combine(day, time.min, tzinfo=self.event.tz).astimezone(UTC)
        # The day's own end: 23 or 25 hours later on a day the clocks change.
        until = datetime.combine(day + timedelta(days=1), time.min, tzinfo=self.event.tz).astimezone(UTC)
        stop = self.closing.stop_words()
        with reading(self.engine) as session:
            polls = list(
                session.exec(
                    select(Poll).where(col(Poll.launched_at) >= since, col(Poll.launched_at) < until)
                )
            )
            results = self._results(session, polls)
            people = participation(session, self.polls, until=until)
            words = top_words(session, self.event, polls, stop)
            problems = [p for p in delivery_problems(session, since=since)]
        sections = []
        lines = [
            f"• {mrkdwn(label)}: {done} of {total} answered a poll" for label, done, total in people.by_role
        ]
        anonymous = [
            f"{mrkdwn(label)} {n if n is not None else FEWER}" for label, n in people.anonymous_by_role
        ]
        if anonymous:
            lines.append("Anonymous answers by role: " + " · ".join(anonymous))
        if not people.polls:
            lines = [NO_POLLS]  # zeros out of the whole roster would say nothing
        sections.append("*Participation*\n" + "\n".join(lines))
        quiet = [name for name, done, total in people.by_team if total and not done and people.polls]
        if quiet:
            sections.append(
                f"*{self._teams()} with no answers yet* ({len(quiet)}): "
                + ", ".join(mrkdwn(n) for n in quiet[:15])
                + (f" and {len(quiet) - 15} more" if len(quiet) > 15 else "")
            )
        if self.event.headlines is not None:
            missing = self.headlines.missing_teams()
            sections.append(
                f"*{self._teams()} with no headline yet* ({len(missing)}): "
                + (", ".join(mrkdwn(t.name) for t in missing[:15]) or "none")
                + (f" and {len(missing) - 15} more" if len(missing) > 15 else "")
            )
        if words:
            sections.append(
                "*Top words in open answers*: " + ", ".join(f"{mrkdwn(w)} ({n})" for w, n in words)
            )
        unreachable = [p.name for p in self.event.people.values() if not self.directory.slack_id(p.id)]
        problem_lines = [f"• {mrkdwn(what)} → {where}: {why}" for what, where, why in problems[:15]]
        if unreachable:
            problem_lines.append(
                f"• {len(unreachable)} people not found in Slack: "
                + ", ".join(mrkdwn(n) for n in unreachable[:10])
            )
        missing_channels = self.directory.missing_channels
        if missing_channels:
            problem_lines.append("• Channels not found: " + ", ".join(f"#{c}" for c in missing_channels))
        sections.append("*Delivery problems*\n" + ("\n".join(problem_lines) if problem_lines else "None."))
        if results:
            sections.append("*Polls*\n" + "\n\n".join(describe_result(r) for r in results))
        charts = [("participation.png", png)] if people.polls and (png := participation_chart(people)) else []
        charts += [(f"{r.poll.id}.png", png) for r in results if (png := results_chart(r))]
        title = f"Daily digest: {formatting.day(day)}"
        private = any(p.anonymous for p in polls)
        return Summary(title=title, sections=sections, charts=charts[:6], private=private)

    def _teams(self) -> str:
        """The event's teams by their noun, as a heading: "District teams", or "Teams" for a mix."""
        noun = self.event.team_noun(2)
        return noun[:1].upper() + noun[1:]

    def send(self, session: Session, summary: Summary, *, users: list[str], key: str) -> None:
        """Queue the summary and its charts as DMs to `users` (Slack ids)."""
        now = self.clock.now()
        folder = self.files_dir
        folder.mkdir(parents=True, exist_ok=True)
        saved = []
        for name, png in summary.charts:
            path = folder / f"summary-{hashlib.sha256(png).hexdigest()[:12]}-{name}"
            path.write_bytes(png)
            saved.append((name, path))
        for user in users:
            outbox.enqueue_dm(
                session,
                user=user,
                text=summary.title,
                blocks=summary.blocks(),
                now=now,
                key=f"{key}:{user}",
                describe=summary.title.lower(),
                private=summary.private,
            )
            for name, path in saved:
                outbox.enqueue(
                    session,
                    kind=Kind.UPLOAD,
                    key=f"{key}:{user}:{name}",
                    channel=user,
                    now=now,
                    payload={
                        "channel": user,
                        "path": str(path),
                        "filename": path.name,
                        "title": name.removesuffix(".png"),
                        "alt_txt": f"Chart for {summary.title}: {name.removesuffix('.png')}",
                        "initial_comment": None,
                        "describe": f"a chart for {summary.title.lower()}",
                        **({"private": True} if summary.private else {}),
                    },
                )

    def organizers(self) -> list[str]:
        return [user for _person_id, user in self.directory.organizers()]
