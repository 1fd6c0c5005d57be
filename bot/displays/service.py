"""Pages for the room's screen: a live poll, the headlines wall, a word cloud.

A facilitator gets an unguessable link (`/poll display <id>`, `/closing display`);
the page polls a small JSON document every second, so it follows new votes and
headlines within two seconds. The JSON holds only what the room may see: counts
for polls (nothing at all while results are hidden), never a name.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

from bot.closing import Closing
from bot.core import Clock, UserError
from bot.event import Event, PollKind
from bot.headlines import HeadlineService
from bot.people import Directory
from bot.polls import (
    PollService,
    Ranking,
    choice_labels,
    nothing_to_show,
    standing_figures,
    tally,
    top_two,
)
from bot.qa import QaService
from storage.db import reading, transaction
from storage.models import DisplayLink, Headline, Poll, Response

MAX_TEXTS_SHOWN = 12
MAX_QUESTIONS_SHOWN = 12  # open ones by upvotes; then a few answered ones
MAX_ANSWERED_SHOWN = 4

# Templates come from the package, so an installed wheel carries them; values are escaped.
TEMPLATES = Environment(
    loader=PackageLoader("bot.displays"),
    autoescape=True,
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


@cache
def page_html() -> str:
    """The page for a display link: static, the same for every link (it loads its own data)."""
    return TEMPLATES.get_template("display.html").render()


@cache
def not_found_html() -> str:
    """The page for a display link that does not exist."""
    return TEMPLATES.get_template("not_found.html").render()


class Displays:
    """Display links and the data behind them."""

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
        public_url: str,
        qa: QaService | None = None,
    ) -> None:
        self.event = event
        self.engine = engine
        self.clock = clock
        self.directory = directory
        self.polls = polls
        self.headlines = headlines
        self.closing = closing
        self.qa = qa
        self.public_url = public_url
        self._cloud_cache: dict[str, tuple[str, bytes, str]] = {}
        self._lock = threading.Lock()

    def url(self, token: str) -> str:
        return f"{self.public_url.rstrip('/')}/display/{token}"

    def create(self, *, kind: str, subject: str | None, user_id: str) -> str:
        """A new link for staff; returns its URL."""
        self.directory.require_staff(user_id, "open display pages")
        anonymous = False
        if kind == "poll":
            anonymous = self.polls.get(subject or "").anonymous  # a UserError names the closest id
        elif kind == "cloud":
            self.closing.texts(subject or "")
        elif kind == "qa" and (subject or "") not in self.event.sessions:
            raise UserError(f"There is no session `{subject}`.")
        token = secrets.token_urlsafe(24)
        with transaction(self.engine) as session:
            session.add(
                DisplayLink(
                    token=token,
                    kind=kind,
                    subject=subject,
                    # Not who opened a link to an anonymous poll: no row pairs it with a person.
                    created_by=None if anonymous else user_id,
                    created_at=self.clock.now(),
                )
            )
        return self.url(token)

    def link(self, token: str) -> DisplayLink | None:
        with reading(self.engine) as session:
            return session.get(DisplayLink, token)

    def data(self, link: DisplayLink) -> dict[str, Any]:
        """What the page shows now."""
        if link.kind == "poll":
            return self._poll(link.subject or "")
        if link.kind == "headlines":
            return self._headlines()
        if link.kind == "qa":
            return self._qa(link.subject or "")
        if link.kind == "cloud":
            signature, _png, alt = self.cloud(link)
            return {
                "kind": "cloud",
                "title": self._cloud_title(link.subject or ""),
                "version": signature,
                "alt": alt,
            }
        raise UserError("unknown display")

    def _poll(self, poll_id: str) -> dict[str, Any]:
        with reading(self.engine) as session:
            poll = session.get(Poll, poll_id)
            if poll is None:
                raise UserError("This poll no longer exists.")
            result = tally(session, poll)
        show = (poll.status == "closed" or poll.results == "live") and not result.withheld
        data: dict[str, Any] = {
            "kind": "poll",
            "question": poll.question,
            "status": poll.status,
            "total": result.respondents,
            "show": show,
            "type": poll.kind,
        }
        note = nothing_to_show(result, shown=show)
        if note:
            data["waiting"] = note  # in place of the results: no bars at 0%
        elif show and poll.kind == PollKind.OPEN_TEXT:
            data["texts"] = result.texts[-MAX_TEXTS_SHOWN:]
        elif show and result.ranking is not None:
            data["options"] = ranking_rows(result.ranking)
        elif show:
            data["options"] = [
                {"label": label, "count": result.counts[i], "percent": result.percent(i)}
                for i, label in enumerate(choice_labels(poll))
            ]
            if poll.kind == PollKind.RATING:
                data["average"] = round(result.average or 0, 1)
                data["agree"] = result.agree_share()
                data["agree_label"] = top_two(poll)
        return data

    def _qa(self, session_id: str) -> dict[str, Any]:
        """A session's Q&A for the room: the top open questions and the latest answered, with
        their upvotes and never who asked."""
        assert self.qa is not None
        title = self.qa.title(session_id)
        try:
            board = self.qa.board(session_id)
        except UserError:
            return {"kind": "qa", "title": title, "status": "not open", "questions": [], "total": 0}
        questions = [
            {"text": r.question.text, "upvotes": r.upvotes, "answered": False}
            for r in board.open[:MAX_QUESTIONS_SHOWN]
        ] + [
            {"text": r.question.text, "upvotes": r.upvotes, "answered": True}
            for r in board.answered[:MAX_ANSWERED_SHOWN]
        ]
        return {
            "kind": "qa",
            "title": title,
            "status": board.qa.status,
            "questions": questions,
            "total": board.shown,
            "more": max(0, len(board.open) - MAX_QUESTIONS_SHOWN),
        }

    def _headlines(self) -> dict[str, Any]:
        wall = self.headlines.wall()
        items = [
            {
                "team": self.event.teams[t].name if t in self.event.teams else t,
                "text": h.text,
                "explanation": h.explanation or "",
            }
            for t, headlines in wall.items()
            for h in headlines
        ]
        return {"kind": "headlines", "title": "Vision headlines", "items": items}

    def _cloud_title(self, name: str) -> str:
        return "Vision headlines" if name == "headlines" else self.polls.get(name).question

    def _signature(self, name: str) -> str:
        """Changes whenever the cloud's input changes (cheap: counts and latest ids, no text)."""
        row: tuple[Any, ...]
        with reading(self.engine) as session:
            if name == "headlines":
                row = session.exec(
                    select(func.count(), func.max(Headline.updated_at)).where(
                        Headline.status == "active", col(Headline.hidden).is_(False)
                    )
                ).one()
            else:
                row = session.exec(
                    select(func.count(), func.max(Response.id)).where(Response.poll_id == name)
                ).one()
        return hashlib.sha256(repr((name, *row)).encode()).hexdigest()[:16]

    def cloud(self, link: DisplayLink) -> tuple[str, bytes, str]:
        """(signature, PNG, alt text) for a cloud link; re-drawn only when its answers changed."""
        name = link.subject or ""
        signature = self._signature(name)
        with self._lock:
            cached = self._cloud_cache.get(name)
            if cached and cached[0] == signature:
                return cached
            try:
                rendered = self.closing.render(name)
                entry = (signature, rendered.path.read_bytes(), rendered.alt)
            except UserError as exc:
                entry = (signature, b"", str(exc))
            self._cloud_cache[name] = entry
            return entry


def ranking_rows(ranking: Ranking) -> list[dict[str, Any]]:
    """A ranking poll's options for the room, best first: place, points as a bar, figures."""
    return [
        {
            "label": f"{n}. {s.label}",
            "count": s.points,
            "percent": ranking.share(s),
            "detail": standing_figures(s),
        }
        for n, s in enumerate(ranking.standings, 1)
    ]
