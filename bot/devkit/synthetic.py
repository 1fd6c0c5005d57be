"""Synthetic events for drills, tests and benchmarks: N participants, a pre-event poll opening now;
polls live in parallel rooms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path


def fanout_event(folder: Path, participants: int, *, opens: datetime | None = None) -> Path:
    """Write an event whose pre-event poll opens at `opens` (default: this minute); return its path.

    Person i has roster id p00000i and email p00000i@fan.example.org; the one
    organizer is `org` (org@fan.example.org).
    """
    opens = (opens or datetime.now(UTC)).astimezone(UTC)
    today, tomorrow = opens.date(), (opens + timedelta(days=1)).date()
    lines = ["id,name,email,slack_id,team,role", "org,Olga Organizer,org@fan.example.org,,,other"]
    lines += [f"p{i:06d},Person {i},p{i:06d}@fan.example.org,,t1,other" for i in range(participants)]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "roster.csv").write_text("\n".join(lines) + "\n")
    (folder / "event.yaml").write_text(f"""\
event: {{name: Fan-out drill, timezone: UTC, days: [{today}, {tomorrow}]}}
teams: [{{id: t1, name: Team One}}]
roster: roster.csv
organizers: [org]
sessions:
  - {{id: s1, title: Opening, day: {tomorrow}, start: "09:00", end: "10:00", kind: plenary}}
polls:
  - id: hello
    question: What brings you here?
    kind: open_text
    pre_event: {{opens: "{opens:%Y-%m-%d %H:%M}", closes: "{tomorrow} 08:00"}}
""")
    return folder / "event.yaml"


def sandbox_users(participants: int) -> list[tuple[str, str]]:
    """(Slack user id, email) for the organizer and every participant of `fanout_event`."""
    return [("UORG", "org@fan.example.org")] + [
        (f"UP{i:06d}", f"p{i:06d}@fan.example.org") for i in range(participants)
    ]


def voter_id(i: int) -> str:
    """The Slack user id of voter i of `live_polls_event`."""
    return f"UV{i:07d}"


def live_polls_event(folder: Path, polls: list[tuple[str, str]], voters: int) -> Path:
    """Write an event with one session per (poll id, channel), all at the same time, each poll a
    five-option single choice, and `voters` people (ids v00000i, Slack ids `voter_id(i)`); the one
    organizer is `host` (UHOST). Return its path."""
    lines = ["id,name,email,slack_id,team,role", "host,Harper Host,host@votes.example.org,UHOST,,other"]
    lines += [f"v{i:05d},Voter {i},v{i:05d}@votes.example.org,{voter_id(i)},t1,other" for i in range(voters)]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "roster.csv").write_text("\n".join(lines) + "\n")
    kind = "plenary" if len(polls) == 1 else "breakout"
    channels = ", ".join(f"{channel.replace('-', '_')}: {channel}" for _, channel in polls)
    sessions = "".join(
        f'  - {{id: s{k}, title: Session {k}, day: 2030-01-01, start: "09:00", end: "10:00", kind: {kind},\n'
        f"     channel: {channel}, reminders: []}}\n"
        for k, (_, channel) in enumerate(polls, 1)
    )
    questions = "".join(
        f"  - {{id: {poll_id}, question: Which option?, kind: single_choice,\n"
        f"     options: [One, Two, Three, Four, Five], session: s{k}}}\n"
        for k, (poll_id, _) in enumerate(polls, 1)
    )
    (folder / "event.yaml").write_text(
        "event: {name: Vote burst, timezone: UTC, days: [2030-01-01]}\n"
        "teams: [{id: t1, name: Team One}]\n"
        "roster: roster.csv\n"
        "organizers: [host]\n"
        f"channels: {{{channels}}}\n"
        "summaries: {after_session_minutes: null, digest_after_minutes: null}\n"
        f"sessions:\n{sessions}polls:\n{questions}"
    )
    return folder / "event.yaml"
