"""Finding the session someone means: by id, by words of its title, or by a time of day."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, time

from bot.event import Event, SessionSpec

_CLOCK = re.compile(r"^(\d{1,2})(?::([0-5]\d))?\s*([ap])?\.?\s*(?:m\.?)?$", re.IGNORECASE)
_WORD = re.compile(r"[\w']+")


@dataclass(frozen=True)
class Found:
    """What a look-up found: the sessions meant (several run at one time, or share a title),
    or none and the closest names, for the answer to suggest."""

    sessions: list[SessionSpec]
    closest: list[SessionSpec]


def clock_time(text: str) -> time | None:
    """A time of day as people type it: "14:30", "2:30 pm", "2pm", "10"; None if it is not one."""
    match = _CLOCK.match(text.strip())
    if match is None:
        return None
    hour, minute, half = int(match[1]), int(match[2] or 0), (match[3] or "").lower()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "p" else 0)
    if hour > 23:
        return None
    return time(hour, minute)


def event_time(text: str) -> time | None:
    """A time of day as people at an event mean it: 1:00 to 6:59 with no AM or PM is the
    afternoon's ("2:30" is 2:30 PM); None if `text` is not a time."""
    at = clock_time(text)
    if at is not None and 1 <= at.hour <= 6 and not re.search(r"[ap]", text, re.IGNORECASE):
        return time(at.hour + 12, at.minute)
    return at


def find_sessions(event: Event, query: str, day: date) -> Found:
    """The sessions `query` names: a session id; a time (the sessions running then on `day`,
    or starting next in a break; 1:00 to 6:59 with no AM or PM is the afternoon's); else every
    session whose title holds all the words typed."""
    text = query.strip()
    if text in event.sessions:
        return Found([event.sessions[text]], [])
    at = event_time(text)
    if at is not None:
        running = _running(event, day, at)
        return Found(running, [] if running else _nearest_in_time(event, day, at))
    words = [w.lower() for w in _WORD.findall(text)]
    matches = [s for s in event.agenda() if words and all(w in _words(s.title) for w in words)]
    if not matches and words:
        # Parts of words ("peer assist"), for what a phone's keyboard leaves of a title.
        matches = [s for s in event.agenda() if all(w in s.title.lower() for w in words)]
    return Found(matches, [] if matches else _closest(event, text))


def _words(title: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(title)}


def _running(event: Event, day: date, at: time) -> list[SessionSpec]:
    """The sessions running at `at` on `day`; in a break, the ones that start next that day."""
    moment = event.local(day, at)
    that_day = [s for s in event.agenda() if s.day == day]
    running = [s for s in that_day if event.local(s.day, s.start) <= moment < event.local(s.day, s.end)]
    if running:
        return running
    later = [s for s in that_day if event.local(s.day, s.start) > moment]
    return [s for s in later if s.start == later[0].start]


def _nearest_in_time(event: Event, day: date, at: time) -> list[SessionSpec]:
    that_day = [s for s in event.agenda() if s.day == day]
    moment = datetime.combine(day, at)
    return sorted(that_day, key=lambda s: abs((datetime.combine(day, s.start) - moment).total_seconds()))[:3]


def _closest(event: Event, text: str) -> list[SessionSpec]:
    """Up to three sessions whose title or id is nearest to what was typed."""
    by_name: dict[str, SessionSpec] = {}
    for s in event.agenda():
        by_name.setdefault(s.title.lower(), s)
        by_name.setdefault(s.id, s)
    names = difflib.get_close_matches(text.lower(), list(by_name), n=6, cutoff=0.4)
    chosen: list[SessionSpec] = []
    for name in names:
        if by_name[name] not in chosen:
            chosen.append(by_name[name])
    return chosen[:3]
