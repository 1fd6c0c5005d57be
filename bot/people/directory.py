"""Who is who: roster people matched to Slack user ids, and what each may do."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.core import Clock, NotAllowed
from bot.event import Event, Person
from storage.db import reading, transaction, upsert
from storage.models import Identity, table_of

log = logging.getLogger(__name__)


class Directory:
    """Roster people by Slack user id; resolves emails through users.list once and caches them."""

    # How long "this Slack user is not on the roster" is believed before asking Slack again.
    UNKNOWN_TTL = timedelta(minutes=10)

    def __init__(
        self, *, event: Event, engine: Engine, clock: Clock, client: WebClient | None = None
    ) -> None:
        self.event = event
        self.engine = engine
        self.clock = clock
        self.client = client
        self._unknown: dict[str, datetime] = {}
        self._channels: dict[str, str] = {}
        self.missing_channels: list[str] = []
        self._lock = threading.Lock()
        self._by_slack: dict[str, Person] = {}
        self._slack_of: dict[str, str] = {}
        self._staff = event.staff_ids()
        self.reload()

    def reload(self) -> None:
        """Rebuild the maps from the roster's slack ids and the cached identities."""
        with reading(self.engine) as session:
            cached = {i.person_id: i.slack_user_id for i in session.exec(select(Identity))}
        with self._lock:
            self._by_slack.clear()
            self._slack_of.clear()
            for person in self.event.people.values():
                slack_id = person.slack_id or cached.get(person.id)
                if slack_id:
                    self._by_slack[slack_id] = person
                    self._slack_of[person.id] = slack_id

    def resolve(self, client: WebClient) -> list[Person]:
        """Look up, by email, everyone without a known Slack id; return those still unmatched.

        users.list pages through the workspace in a few calls, where one
        users.lookupByEmail per person would take minutes at Tier 3 limits.
        """
        missing = {
            p.email.lower(): p for p in self.event.people.values() if p.id not in self._slack_of and p.email
        }
        if missing:
            found: dict[str, str] = {}
            try:
                for page in client.users_list(limit=200):
                    for member in page.get("members", []):
                        email = (member.get("profile") or {}).get("email", "").lower()
                        if email in missing and not member.get("deleted"):
                            found[missing[email].id] = member["id"]
            except SlackApiError as exc:
                log.warning("could not list users to match the roster: %s", exc.response.get("error"))
            self._save(found)
            self.reload()
        return [p for p in self.event.people.values() if p.id not in self._slack_of]

    def _save(self, found: dict[str, str]) -> None:
        """Keep who resolved to which Slack user: one upsert, so hosts that start at the same
        moment and save the same people both go on (a second save is the same fact)."""
        if not found:
            return
        now = self.clock.now()
        rows = [{"person_id": p, "slack_user_id": s, "resolved_at": now} for p, s in found.items()]
        with transaction(self.engine) as session:
            insert = upsert(session, table_of(Identity)).values(rows)
            session.execute(
                insert.on_conflict_do_update(
                    index_elements=["person_id"],
                    set_={"slack_user_id": insert.excluded.slack_user_id, "resolved_at": now},
                )
            )

    def resolve_channels(self, client: WebClient) -> list[str]:
        """Find the ids of the event's channels by name; return the names not found."""
        wanted = set(self._channel_names())
        found: dict[str, str] = {}
        try:
            for page in client.conversations_list(
                types="public_channel,private_channel", limit=200, exclude_archived=True
            ):
                for channel in page.get("channels", []):
                    if channel.get("name") in wanted:
                        found[channel["name"]] = channel["id"]
        except SlackApiError as exc:
            log.warning("could not list channels: %s", exc.response.get("error"))
        with self._lock:
            self._channels.update(found)
        self.missing_channels = sorted(wanted - set(found))
        return self.missing_channels

    def _channel_names(self) -> list[str]:
        names = list(self.event.channels.values())
        names += [s.channel.lstrip("#") for s in self.event.sessions.values() if s.channel]
        return [self.event.channels.get(n, n) for n in dict.fromkeys(names)]

    def channel(self, name: str) -> str:
        """A channel's id if known, else "#name" (Slack then answers channel_not_found, which is reported)."""
        name = name.lstrip("#")
        name = self.event.channels.get(name, name)
        with self._lock:
            return self._channels.get(name, f"#{name}")

    def person(self, slack_user_id: str, *, ask_slack: bool = True) -> Person | None:
        """The roster person behind a Slack user, asking Slack for their email if not yet known.

        People who join the workspace after the bot started are matched on
        first use rather than left out until a restart. `ask_slack=False`
        answers from what is known, for hot paths such as recording a vote.
        """
        with self._lock:
            person = self._by_slack.get(slack_user_id)
            seen_unknown = self._unknown.get(slack_user_id)
        if person is not None or self.client is None or not ask_slack:
            return person
        now = self.clock.now()
        if seen_unknown is not None and now - seen_unknown < self.UNKNOWN_TTL:
            return None
        try:
            profile = self.client.users_info(user=slack_user_id)["user"].get("profile") or {}
        except SlackApiError:
            profile = {}
        match = self.event.person(profile.get("email") or "") if profile.get("email") else None
        if match is None or self.slack_id(match.id):
            with self._lock:
                self._unknown[slack_user_id] = now
            return None
        self._save({match.id: slack_user_id})
        with self._lock:
            self._by_slack[slack_user_id] = match
            self._slack_of[match.id] = slack_user_id
        return match

    def slack_id(self, person_id: str) -> str | None:
        with self._lock:
            return self._slack_of.get(person_id)

    def organizers(self) -> list[tuple[str, str]]:
        """(roster id, Slack user id) of each organizer found in Slack, in the event file's order."""
        return [(p, user) for p in self.event.organizers if (user := self.slack_id(p))]

    def is_staff(self, slack_user_id: str) -> bool:
        """Organizers and facilitators: the people who run polls."""
        person = self.person(slack_user_id)
        return person is not None and person.id in self._staff

    def require_staff(self, slack_user_id: str, doing: str) -> None:
        """Refuse, in words the person reads, anyone who is not an organizer or facilitator."""
        if not self.is_staff(slack_user_id):
            raise NotAllowed(f"Only facilitators and organizers can {doing}.")

    def display(self, slack_user_id: str) -> str:
        """A name to show; never asks Slack (it is called while composing messages, inside transactions)."""
        person = self.person(slack_user_id, ask_slack=False)
        return person.name if person else slack_user_id
