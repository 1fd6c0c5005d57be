"""The small event file and roster the checks of event files start from."""

from __future__ import annotations

EVENT = """\
event:
  name: Summit
  timezone: America/Los_Angeles
  days: [2026-04-17, 2026-04-18]
teams:
  - {id: river-usd, name: River Unified}
roster: roster.csv
organizers: [ana-lead]
channels:
  announcements: summit-announcements
sessions:
  - id: opening
    title: Opening plenary
    day: 2026-04-17
    start: "09:00"
    end: "10:00"
    kind: plenary
  - id: closing
    title: Closing session
    day: 2026-04-18
    start: "15:00"
    end: "16:00"
    kind: closing
polls:
  - id: expectations
    question: What do you want from the summit?
    kind: open_text
    pre_event:
      opens: "2026-04-10 09:00"
      nudges: ["2026-04-14 09:00"]
      closes: "2026-04-16 17:00"
  - id: evaluation
    question: How did it go?
    kind: survey
    statements: [It was useful.]
    dm:
      opens: closing
"""


ROSTER = """\
id,name,email,slack_id,team,role
ana-lead,Ana Lead,ana@summit.example.org,,,other
river-supt,Rita Rivera,rita@river.example.org,,river-usd,superintendent
"""

