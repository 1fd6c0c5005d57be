"""Block Kit for what is known of a session: its time and place, description, presenters and
materials, for /agenda <session> and for each session on the Home tab."""

from __future__ import annotations

from typing import Any

from bot.core.formatting import day, listing, time_range
from bot.event import Event, SessionSpec
from bot.people import Directory
from bot.slack import link, mrkdwn, truncate
from bot.slack.blocks import SECTION_LIMIT, Block, section

# A description is cut here so that the rest of a session's text always fits in its section.
DESCRIPTION_LIMIT = 1500
# /agenda <words> that match many sessions lists them rather than showing each in full.
MOST_IN_FULL = 4


def place(directory: Directory, session: SessionSpec) -> list[str]:
    """Where a session is, as mrkdwn: its room and its channel."""
    parts = []
    if session.room:
        parts.append(mrkdwn(session.room))
    if session.channel:
        channel = directory.channel(session.channel)
        parts.append(f"<#{channel}>" if not channel.startswith("#") else mrkdwn(channel))
    return parts


def when(event: Event, session: SessionSpec, *, with_day: bool) -> str:
    """A session's times, "10:00–11:00 AM", after its day when asked."""
    times = time_range(event.local(session.day, session.start), event.local(session.day, session.end))
    return f"{day(session.day)}, {times}" if with_day else times


def presenters(session: SessionSpec) -> str | None:
    """ "Presenters: Julia Koppich (UC Berkeley) and San Juan USD" as mrkdwn."""
    if not session.presenters:
        return None
    names = [
        mrkdwn(p.name) + (f" ({mrkdwn(p.affiliation)})" if p.affiliation else "") for p in session.presenters
    ]
    noun = "Presenter" if len(names) == 1 else "Presenters"
    return f"{noun}: {listing(names)}"


def materials(session: SessionSpec, limit: int = SECTION_LIMIT) -> str | None:
    """The session's materials as links, one a line, as many as fit in `limit` characters
    (a link is never cut: the rest are counted)."""
    if not session.materials:
        return None
    lines = [":paperclip: *Materials*"]
    for n, material in enumerate(session.materials):
        line = f"• {link(material.url, material.title)}"
        rest = len(session.materials) - n
        note = f"_…and {rest} more_"
        if len("\n".join([*lines, line])) + len(note) + 1 > limit:
            lines.append(note)
            break
        lines.append(line)
    return "\n".join(lines)


def session_text(event: Event, directory: Directory, session: SessionSpec, *, with_day: bool) -> str:
    """A session's title line, description and presenters, as one section's mrkdwn."""
    head = " · ".join([when(event, session, with_day=with_day), f"*{mrkdwn(session.title)}*"])
    lines = [" · ".join([head, *place(directory, session)])]
    if session.description:
        lines.append(mrkdwn(truncate(session.description.strip(), DESCRIPTION_LIMIT)))
    if who := presenters(session):
        lines.append(who)
    return "\n".join(lines)


def session_blocks(
    event: Event, directory: Directory, session: SessionSpec, *, with_day: bool
) -> list[Block]:
    """A session in two blocks at most: its section, and its materials' links."""
    blocks = [section(session_text(event, directory, session, with_day=with_day))]
    if links := materials(session):
        blocks.append(section(links))
    return blocks


def details_message(event: Event, directory: Directory, sessions: list[SessionSpec]) -> dict[str, Any]:
    """The /agenda <session> answer: each session found in full, or a list when there are many."""
    if len(sessions) > MOST_IN_FULL:
        lines = [f"*{len(sessions)} sessions match:*"]
        lines += [
            f"• {when(event, s, with_day=True)} · *{mrkdwn(s.title)}* (`/agenda {s.id}`)"
            for s in sessions[:30]
        ]
        text = "\n".join(lines)
        return {"text": text, "blocks": [section(text)]}
    blocks: list[Block] = []
    for n, session in enumerate(sessions):
        if n:
            blocks.append({"type": "divider"})
        blocks += session_blocks(event, directory, session, with_day=True)
    text = "\n".join(
        session_text(event, directory, s, with_day=True) + ("\n" + links if (links := materials(s)) else "")
        for s in sessions
    )
    return {"text": truncate(text, SECTION_LIMIT), "blocks": blocks}


def not_found_message(event: Event, query: str, closest: list[SessionSpec]) -> dict[str, Any]:
    """The answer to /agenda <something> that names no session: the closest ones, to try."""
    lines = [f"No session matches “{mrkdwn(truncate(query, 100))}”."]
    if closest:
        lines.append("Did you mean:")
        lines += [
            f"• *{mrkdwn(s.title)}* ({when(event, s, with_day=True)}): `/agenda {s.id}`" for s in closest
        ]
    lines.append("_`/agenda` shows what is on now; `/agenda me`, your own day._")
    text = "\n".join(lines)
    return {"text": text, "blocks": [section(text)]}
