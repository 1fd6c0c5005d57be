"""Materials added after a session: the event file read again, and one DM with the new links
to each person who attended.

Each DM's outbox row names the session, the person and the addresses it carries, so the
addresses already sent to someone are never sent to them again, however often the file is
read again or the bot restarts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.agenda.service import concerned
from bot.core import Clock
from bot.delivery.outbox import Kind, enqueue
from bot.event import Event, SessionSpec
from bot.event.spec import MaterialSpec
from bot.people import Directory
from bot.slack import link, mrkdwn
from storage.db import transaction
from storage.models import Outbox

KEY = "materials"
# What a session may change while the bot runs: what is said about it, not when or for whom.
INFORMATION = frozenset({"description", "presenters", "materials"})


@dataclass
class Reloaded:
    """What reading the event file again changed: the sessions whose information it updated,
    and the ids of those with other changes (times, rooms, ...), which wait for a restart."""

    updated: list[str] = field(default_factory=list)
    added: dict[str, set[str]] = field(default_factory=dict)  # session id -> new material addresses
    waiting: list[str] = field(default_factory=list)
    other_sections: bool = False


def take_information(event: Event, fresh: Event) -> Reloaded:
    """Update `event`'s sessions in place with the description, presenters and materials that
    `fresh` (the event file read again) gives them; report what else changed."""
    done = Reloaded()
    for sid, new in fresh.sessions.items():
        old = event.sessions.get(sid)
        if old is None:
            done.waiting.append(sid)
            continue
        if old == new:
            continue
        rest = new.model_dump(exclude=set(INFORMATION)) != old.model_dump(exclude=set(INFORMATION))
        known = {m.url for m in old.materials}
        if fresh_urls := {m.url for m in new.materials} - known:
            done.added[sid] = fresh_urls
        event.sessions[sid] = old.model_copy(update={k: getattr(new, k) for k in INFORMATION})
        done.updated.append(sid)
        if rest:
            done.waiting.append(sid)
    done.waiting += [sid for sid in event.sessions if sid not in fresh.sessions]
    done.other_sections = (fresh.polls, fresh.people, fresh.teams) != (event.polls, event.people, event.teams)
    return done


def announce(
    *, event: Event, engine: Engine, clock: Clock, directory: Directory, added: dict[str, set[str]]
) -> int:
    """Queue, for each session that has ended and has `added` materials (session id ->
    addresses new in the event file), one DM to each person who attended it (its audience;
    for a breakout, those who chose it) with those not yet sent to them. Returns how many
    DMs were queued."""
    now = clock.now()
    ended = [s for s in event.agenda() if added.get(s.id) and event.session_end(s) <= now]
    if not ended:
        return 0
    queued = 0
    with transaction(engine) as session:
        sent = _sent(session)
        for spec in ended:
            for person_id in concerned(event, session, spec):
                user = directory.slack_id(person_id)
                already = sent.get((spec.id, person_id), set())
                new = [m for m in spec.materials if m.url in added[spec.id] and m.url not in already]
                if user is None or not new:
                    continue
                urls = [m.url for m in new]
                digest = hashlib.sha256("\n".join(sorted(urls)).encode()).hexdigest()[:16]
                payload = {
                    "user": user,
                    "text": message(event, spec, new),
                    "describe": "session materials",
                    "session": spec.id,
                    "person": person_id,
                    "urls": urls,
                }
                key = f"{KEY}:{spec.id}:{person_id}:{digest}"
                queued += (
                    enqueue(session, kind=Kind.DM, key=key, channel=user, payload=payload, now=now)
                    is not None
                )
    return queued


def _sent(session: Session) -> dict[tuple[str, str], set[str]]:
    """(session id, roster id) -> the material addresses already queued for that person."""
    rows = session.exec(select(Outbox.payload).where(col(Outbox.key).startswith(f"{KEY}:"))).all()
    out: dict[tuple[str, str], set[str]] = {}
    for payload in rows:
        out.setdefault((str(payload.get("session")), str(payload.get("person"))), set()).update(
            payload.get("urls") or []
        )
    return out


def message(event: Event, spec: SessionSpec, new: list[MaterialSpec]) -> str:
    """The DM: the session, and a link for each new material."""
    lines = [f":paperclip: New materials from *{mrkdwn(spec.title)}*, which you attended:"]
    lines += [f"• {link(m.url, m.title)}" for m in new]
    return "\n".join(lines)
