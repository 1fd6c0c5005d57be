"""Vision headlines: district teams describe future success in a sentence.

Team members submit, edit and withdraw their own until collection closes;
facilitators hide (moderate) headlines, see which teams are missing, and nudge
those teams' members once.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.core import Clock, FieldErrors, NotAllowed, UserError, formatting
from bot.delivery import outbox
from bot.event import Event, Person, SessionSpec, TeamSpec
from bot.people import Directory
from storage.db import reading, transaction
from storage.models import Headline

MAX_HEADLINE = 150
MAX_EXPLANATION = 300


class HeadlineService:
    """The rules of headlines, over the database."""

    def __init__(self, *, event: Event, engine: Engine, clock: Clock, directory: Directory) -> None:
        self.event = event
        self.engine = engine
        self.clock = clock
        self.directory = directory

    # ------------------------------------------------------------ collection window

    def closes(self) -> datetime | None:
        """When collection closes (UTC), or None if the event collects no headlines."""
        settings = self.event.headlines
        if settings is None:
            return None
        if settings.closes is not None:
            return settings.closes.replace(tzinfo=self.event.tz).astimezone(UTC)
        return self.event.session_end(self.event.sessions[settings.session])

    def is_open(self) -> bool:
        closes = self.closes()
        return closes is not None and self.clock.now() < closes

    def _require_open(self, field: str = "headline") -> None:
        closes = self.closes()
        if closes is None:
            raise UserError("This event does not collect headlines.")
        if self.clock.now() >= closes:
            local = closes.astimezone(self.event.tz)
            when = f"{formatting.clock(local)} on {formatting.day(local.date())}"
            raise FieldErrors({field: f"Headline collection closed at {when}."})

    # ------------------------------------------------------------ authors

    def author(self, user_id: str) -> Person:
        """The roster person behind a Slack user, who must belong to a team."""
        person = self.directory.person(user_id)
        if person is None or not person.teams:
            raise NotAllowed(
                f"Headlines come from {self.event.team_noun(2)}, and you are not on a team in the roster. "
                "Ask an organizer if that is a mistake."
            )
        return person

    def teams_of(self, user_id: str) -> list[TeamSpec]:
        person = self.author(user_id)
        return [self.event.teams[t] for t in person.teams if t in self.event.teams]

    def submit(
        self,
        *,
        user_id: str,
        team_id: str | None,
        text: str | None,
        explanation: str | None,
        headline_id: int | None = None,
    ) -> Headline:
        """Add a headline, or edit the author's own (`headline_id`); FieldErrors name bad fields."""
        person = self.author(user_id)
        self._require_open()
        text = " ".join((text or "").split())
        explanation = " ".join((explanation or "").split()) or None
        errors = {}
        if not text:
            errors["headline"] = "Write your team's headline."
        elif len(text) > MAX_HEADLINE:
            errors["headline"] = f"Keep it to {MAX_HEADLINE} characters (this one has {len(text)})."
        if explanation and len(explanation) > MAX_EXPLANATION:
            errors["explanation"] = f"Keep the explanation to {MAX_EXPLANATION} characters."
        team_id = team_id or (person.teams[0] if len(person.teams) == 1 else None)
        if team_id not in person.teams:
            errors["team"] = "Choose your team."
        if errors:
            raise FieldErrors(errors)
        assert team_id is not None
        now = self.clock.now()
        with transaction(self.engine) as session:
            if headline_id is not None:
                headline = self._own(session, headline_id, person)
                headline.text, headline.explanation, headline.team_id = text, explanation, team_id
                headline.updated_at = now
            else:
                headline = Headline(
                    team_id=team_id,
                    author_person=person.id,
                    author_user=user_id,
                    text=text,
                    explanation=explanation,
                    created_at=now,
                    updated_at=now,
                )
                session.add(headline)
            session.flush()
            return headline

    def withdraw(self, *, user_id: str, headline_id: int) -> Headline:
        """Withdraw one's own headline while collection is open."""
        person = self.author(user_id)
        self._require_open()
        with transaction(self.engine) as session:
            headline = self._own(session, headline_id, person)
            headline.status, headline.updated_at = "withdrawn", self.clock.now()
            return headline

    def mine(self, user_id: str) -> list[Headline]:
        person = self.author(user_id)
        with reading(self.engine) as session:
            return list(
                session.exec(
                    select(Headline)
                    .where(Headline.author_person == person.id, Headline.status == "active")
                    .order_by(col(Headline.id))
                )
            )

    def _own(self, session: object, headline_id: int, person: Person) -> Headline:
        headline = session.get(Headline, headline_id)  # type: ignore[attr-defined]
        if headline is None or headline.status != "active" or headline.author_person != person.id:
            raise UserError("That headline is not one of yours (or it was withdrawn).")
        return headline  # type: ignore[no-any-return]

    # ------------------------------------------------------------ facilitators

    def set_hidden(self, *, user_id: str, headline_id: int, hidden: bool) -> Headline:
        """Hide a headline from the wall and word cloud (or show it again)."""
        self.directory.require_staff(user_id, "hide headlines")
        with transaction(self.engine) as session:
            headline = session.get(Headline, headline_id)
            if headline is None or headline.status != "active":
                raise UserError(f"There is no headline #{headline_id}. `/headline list` shows them.")
            headline.hidden, headline.hidden_by = hidden, user_id if hidden else None
            return headline

    def wall(self, *, include_hidden: bool = False) -> dict[str, list[Headline]]:
        """Active headlines by team id, in team order then submission order."""
        with reading(self.engine) as session:
            rows = session.exec(
                select(Headline).where(Headline.status == "active").order_by(col(Headline.id))
            ).all()
        by_team: dict[str, list[Headline]] = defaultdict(list)
        for headline in rows:
            if include_hidden or not headline.hidden:
                by_team[headline.team_id].append(headline)
        order = list(self.event.teams)
        return {
            team: by_team[team] for team in sorted(by_team, key=lambda t: order.index(t) if t in order else 0)
        }

    def missing_teams(self) -> list[TeamSpec]:
        """Teams with no active headline (hidden ones count as submitted)."""
        submitted = set(self.wall(include_hidden=True))
        return [team for team in self.event.audience_teams(self._session()) if team.id not in submitted]

    def _session(self) -> SessionSpec | None:
        """The session that collects headlines: its audience is who is asked for one."""
        settings = self.event.headlines
        return self.event.sessions.get(settings.session) if settings else None

    def nudge_missing(self, *, user_id: str) -> int:
        """DM every member of the teams still missing a headline, once; return how many DMs were queued."""
        self.directory.require_staff(user_id, "nudge teams")
        self._require_open()
        missing = {team.id for team in self.missing_teams()}
        now = self.clock.now()
        closes = self.closes()
        assert closes is not None
        text = (
            f":newspaper: Your team has not sent its vision headline yet: future success, in a sentence. "
            f"Use `/headline` before {formatting.deadline(closes.astimezone(self.event.tz), now)}."
        )
        queued = 0
        with transaction(self.engine) as session:
            for person in self.event.audience(self._session()):
                if not missing.intersection(person.teams):
                    continue
                slack_id = self.directory.slack_id(person.id)
                if slack_id and outbox.enqueue_dm(
                    session,
                    user=slack_id,
                    text=text,
                    now=now,
                    key=f"headline-nudge:{person.id}",
                    describe="a headline nudge",
                ):
                    queued += 1
        return queued

    def texts(self) -> list[str]:
        """Visible headline texts (for the word cloud)."""
        return [h.text for headlines in self.wall().values() for h in headlines]
