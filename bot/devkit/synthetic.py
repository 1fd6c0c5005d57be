"""Synthetic events for drills and benchmarks: N participants, a pre-event poll opening now."""

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
