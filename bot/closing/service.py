"""The closing session: the headlines wall and word clouds, posted to the closing channel.

Word clouds are drawn before any transaction opens (a render takes a fraction
of a second and must not hold the database's write lock), saved as PNG files
under the data folder, and uploaded through the outbox with files upload v2.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.closing.clouds import Cloud, CloudStyle, NoWords, alt_text, make_cloud
from bot.core import Clock, UserError, formatting
from bot.delivery import Kind, outbox
from bot.event import Event, PollKind
from bot.headlines import HeadlineService, wall_messages
from bot.people import Directory
from bot.slack import mrkdwn
from storage.db import reading, transaction
from storage.models import Poll, Response


@dataclass(frozen=True)
class RenderedCloud:
    """A cloud drawn and saved, ready to upload."""

    name: str
    title: str
    path: Path
    cloud: Cloud
    alt: str


class Closing:
    """Word clouds on demand and the closing-session posts."""

    def __init__(
        self,
        *,
        event: Event,
        engine: Engine,
        clock: Clock,
        directory: Directory,
        headlines: HeadlineService,
        files_dir: Path,
        wake: Callable[[], None],
    ) -> None:
        self.event = event
        self.engine = engine
        self.clock = clock
        self.directory = directory
        self.headlines = headlines
        self.files_dir = files_dir
        self.wake = wake

    # ------------------------------------------------------------ word clouds

    def style(self) -> CloudStyle:
        c = self.event.wordcloud
        font = str(self.event.path.parent / c.font) if c.font else None
        return CloudStyle(
            width=c.width, height=c.height, background=c.background, colormap=c.colormap, font_path=font
        )

    def stop_words(self) -> list[str]:
        """The event's own stop words plus the words of its name (nobody needs "symposium" in big type)."""
        names = f"{self.event.info.name} {self.event.info.short_name or ''}"
        return [*self.event.wordcloud.stop_words, *re.findall(r"[^\W\d_]{2,}", names.lower())]

    def texts(self, name: str) -> tuple[str, list[str]]:
        """The title and the texts of a word-cloud source: an open-text poll id, or "headlines"."""
        if name == "headlines":
            if self.event.headlines is None:
                raise UserError("This event does not collect headlines.")
            return "Vision headlines", self.headlines.texts()
        with reading(self.engine) as session:
            poll = session.get(Poll, name.lower())
            if poll is None:
                raise UserError(f"There is no poll `{mrkdwn(name)}`. Name an open-text poll, or `headlines`.")
            if poll.kind != PollKind.OPEN_TEXT:
                raise UserError(
                    f"`{poll.id}` is not an open-text poll; word clouds are drawn from written answers."
                )
            if poll.results == "hidden" and poll.status != "closed":
                raise UserError(f"`{poll.id}` hides its results until it closes; close it first.")
            texts = [
                t
                for t in session.exec(
                    select(Response.text).where(Response.poll_id == poll.id).order_by(col(Response.id))
                ).all()
                if t
            ]
            return poll.question, texts

    def render(self, name: str) -> RenderedCloud:
        """Draw and save one cloud; UserError (with the reason) when there is nothing to draw."""
        title, texts = self.texts(name)
        try:
            cloud = make_cloud(texts, style=self.style(), stop_words=self.stop_words())
        except NoWords as exc:
            raise UserError(f"No word cloud for `{mrkdwn(name)}`: {exc}") from None
        digest = hashlib.sha256(cloud.png).hexdigest()[:12]
        folder = self.files_dir
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"wordcloud-{name}-{digest}.png"
        path.write_bytes(cloud.png)
        alt = alt_text(cloud, title=title)
        if cloud.skipped:
            skipped = formatting.count(len(cloud.skipped), "word", "words")
            alt = alt[: 1000 - 60] + f" ({skipped} in other scripts not drawn)"
        return RenderedCloud(name=name, title=title, path=path, cloud=cloud, alt=alt[:1000])

    def queue_upload(self, session: Session, rendered: RenderedCloud, *, channel: str, key: str) -> None:
        answers = formatting.count(rendered.cloud.answers, "answer", "answers")
        comment = f"Word cloud: {rendered.title} ({answers})"
        outbox.enqueue(
            session,
            kind=Kind.UPLOAD,
            key=key,
            channel=channel,
            now=self.clock.now(),
            payload={
                "channel": channel,
                "path": str(rendered.path),
                "filename": rendered.path.name,
                "title": f"Word cloud: {rendered.name}",
                "alt_txt": rendered.alt,
                "initial_comment": comment,
                "describe": f"the word cloud for {rendered.name}",
            },
        )

    def post_cloud(self, name: str, *, channel: str) -> RenderedCloud:
        rendered = self.render(name)
        with transaction(self.engine) as session:
            self.queue_upload(
                session, rendered, channel=channel, key=f"wordcloud:{name}:{rendered.path.stem}:{channel}"
            )
        self.wake()
        return rendered

    # ------------------------------------------------------------ the closing session

    def channel(self) -> str:
        """The closing channel: the closing session's own, else channels.closing, else announcements."""
        closing = next((s for s in self.event.agenda() if s.kind == "closing"), None)
        name = (
            (closing.channel if closing and closing.channel else None)
            or self.event.channels.get("closing")
            or self.event.channels.get("announcements")
        )
        if not name:
            raise UserError("The event file names no closing channel (give the closing session a channel).")
        return self.directory.channel(name)

    def prepare(self) -> tuple[list[RenderedCloud], list[str]]:
        """Draw the clouds the event file names; return them and notes on the ones that could not be drawn."""
        clouds, notes = [], []
        for name in self.event.closing.wordclouds:
            try:
                clouds.append(self.render(name))
            except UserError as exc:
                notes.append(str(exc))
        return clouds, notes

    def queue(self, session: Session, *, key: str, clouds: list[RenderedCloud], notes: list[str]) -> str:
        """Queue the wall and the clouds for the closing channel; return a summary."""
        channel = self.channel()
        now = self.clock.now()
        messages = wall_messages(self.headlines.wall(), self.event) if self.event.headlines else []
        for n, message in enumerate(messages):
            outbox.enqueue(
                session,
                kind=Kind.POST,
                key=f"{key}:wall:{n}",
                channel=channel,
                now=now,
                payload={"channel": channel, **message, "describe": "the headlines wall"},
            )
        for rendered in clouds:
            self.queue_upload(session, rendered, channel=channel, key=f"{key}:cloud:{rendered.name}")
        parts = []
        if messages:
            parts.append(f"the headlines wall ({formatting.count(len(messages), 'message', 'messages')})")
        parts += [
            f"the {mrkdwn(c.name)} word cloud ({formatting.count(c.cloud.answers, 'answer', 'answers')})"
            for c in clouds
        ]
        summary = ("Posted " + ", ".join(parts) if parts else "Nothing to post") + f" to <#{channel}>."
        if notes:
            summary += "\n" + "\n".join(notes)
        return summary

    def post_now(self, *, key: str) -> str:
        """/closing: everything, now."""
        clouds, notes = self.prepare()
        with transaction(self.engine) as session:
            summary = self.queue(session, key=key, clouds=clouds, notes=notes)
        self.wake()
        return summary
