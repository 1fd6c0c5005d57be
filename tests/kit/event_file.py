"""A small event file and roster on disk, edited line by line, and the problems `load_event` finds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.event import EventFileError, Problem, load_event

# A valid minimal event: 2 teams, 6 people, 3 sessions, 2 polls. US daylight saving time
# starts on 2024-03-10, between the event's two days. No `roles:` section: the defaults apply.
EVENT = """\
event:
  name: Spring Partnership Summit
  short_name: Summit
  timezone: America/New_York
  days: [2024-03-09, 2024-03-11]
teams:
  - {id: north, name: North Unified}
  - {id: south, name: South Unified}
roster: roster.csv
organizers: [org-lead]
facilitators: [fac-1]
sessions:
  - id: welcome
    title: Welcome remarks
    day: 2024-03-09
    start: "16:00"
    end: "16:30"
    kind: plenary
    room: Hall
  - id: role-supts
    title: Superintendents together
    day: 2024-03-09
    start: "16:30"
    end: "17:30"
    kind: role_alike
    role: superintendent
    room: Hall
    facilitators: [fac-1]
  - id: closing
    title: Closing circle
    day: 2024-03-11
    start: "09:00"
    end: "10:00"
    kind: closing
    room: Hall
polls:
  - id: mood
    question: How is your team feeling?
    kind: single_choice
    session: welcome
    options:
      - Ready
      - Curious
      - Tired
  - id: useful
    question: The summit was useful.
    kind: rating
    session: closing
    labels: {1: Not at all, 5: Very}
"""


ROSTER = """\
id,name,email,slack_id,team,role
north-supt,Ana Ortiz,ana@north.example.org,,north,superintendent
north-union,Ben Okafor,,U0NORTH01,north,teachers_union_president
south-supt,Cara Singh,cara@south.example.org,,south,superintendent
south-board,Dev Diaz,dev@south.example.org,,south,board_member
org-lead,Eve Park,eve@staff.example.org,,,other
fac-1,Fay Lee,fay@staff.example.org,,,other
"""


@dataclass
class Files:
    event: Path
    text: str

    @property
    def ev(self) -> str:
        """The event file as problems name it."""
        return str(self.event)

    @property
    def roster(self) -> str:
        """The roster as problems name it."""
        return str(self.event.parent / "roster.csv")

    def line(self, needle: str) -> int:
        """The line of the event file holding `needle` (which must occur on exactly one line)."""
        hits = [n for n, text in enumerate(self.text.splitlines(), start=1) if needle in text]
        assert len(hits) == 1, f"{needle!r} is on lines {hits}"
        return hits[0]


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def write(tmp_path: Path, event: str = EVENT, roster: str = ROSTER) -> Files:
    (tmp_path / "roster.csv").write_text(roster, encoding="utf-8")
    path = tmp_path / "event.yaml"
    path.write_text(event, encoding="utf-8")
    return Files(path, event)


def problems(files: Files) -> list[Problem]:
    with pytest.raises(EventFileError) as caught:
        load_event(files.event)
    found = caught.value.problems
    assert str(caught.value) == "\n".join(str(p) for p in found)
    return found


def only_problem(files: Files) -> Problem:
    found = problems(files)
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]

