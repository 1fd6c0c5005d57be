"""The roster CSV beside the event file: one row per person attending.

Columns are `id,name,email,slack_id,team,role`; problems carry the CSV's own line numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot.event.files import UnreadableFile, control_character, is_file, read_text
from bot.event.spec import EMAIL, ID_PATTERN, SLACK_USER_ID, Person, Problem

ROSTER_COLUMNS = ("id", "name", "email", "slack_id", "team", "role")
REQUIRED_ROSTER_COLUMNS = ("id", "name", "team", "role")
MAX_ROSTER_BYTES = 2_000_000  # some 20,000 people; the example's 199 take 22 KB


def load_roster(
    path: Path, *, display: str, roles: set[str], teams: set[str]
) -> tuple[dict[str, Person], list[Problem]]:
    """Read the roster CSV; return people by id and the problems found (line numbers are the file's)."""
    problems: list[Problem] = []

    def bad(line: int | None, fld: str, message: str) -> None:
        problems.append(Problem(display, line, fld, message))

    if not is_file(path):
        bad(None, "", "roster file not found")
        return {}, problems
    try:
        text = read_text(path, limit=MAX_ROSTER_BYTES, what="a roster")
    except UnreadableFile as exc:
        bad(exc.line, "", exc.message)
        return {}, problems
    people: dict[str, Person] = {}
    emails: dict[str, int] = {}
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = list(_rows(reader))
    except csv.Error as exc:  # a field over the csv module's limit
        bad(reader.line_num, "", f"not a CSV file: {exc}")
        return {}, problems
    if not rows:
        bad(1, "", "empty roster; expected a header row: " + ",".join(ROSTER_COLUMNS))
        return {}, problems
    header = rows[0][1]
    columns = [h.strip().lower() for h in header]
    header_problem = control_character("".join(header))
    if header_problem:
        bad(1, "header", header_problem)
        return {}, problems
    unknown = [c for c in columns if c not in ROSTER_COLUMNS]
    missing = [c for c in REQUIRED_ROSTER_COLUMNS if c not in columns]
    if unknown:
        bad(
            1,
            "header",
            f"unknown column(s) {', '.join(unknown)}; columns are {', '.join(ROSTER_COLUMNS)}",
        )
    if missing:
        bad(1, "header", f"missing column(s) {', '.join(missing)}")
    if unknown or missing:
        return {}, problems
    for line, values in rows[1:]:
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(columns):
            bad(
                line,
                "",
                f"{len(values)} fields where the header has {len(columns)}"
                + (
                    " (a stray comma? quote values that contain commas)" if len(values) > len(columns) else ""
                ),
            )
            continue
        rec = {c: v.strip() for c, v in zip(columns, values, strict=True)}
        if control_character("".join(values)):
            for column, value in zip(columns, values, strict=True):
                problem = control_character(value)
                if problem:
                    bad(line, column, problem)
            continue
        pid, email, slack_id = rec["id"], rec.get("email") or None, rec.get("slack_id") or None
        if not re.match(ID_PATTERN, pid):
            bad(line, "id", f"{pid!r} must be lower-case letters, digits, '-' or '_'")
        elif pid in people:
            bad(line, "id", f"duplicate id {pid!r}")
        if not rec["name"]:
            bad(line, "name", "required")
        if email and not EMAIL.match(email):
            bad(line, "email", f"{email!r} is not an email address")
        elif email and email.lower() in emails:
            bad(line, "email", f"{email} already used on line {emails[email.lower()]}")
        if slack_id and not SLACK_USER_ID.match(slack_id):
            bad(line, "slack_id", f"{slack_id!r} is not a Slack user id (like U024BE7LH)")
        if not email and not slack_id:
            bad(line, "email", "give an email (to look the person up in Slack) or a slack_id")
        # Someone on two district teams lists both: "north-usd; south-usd".
        member_of = tuple(t.strip() for t in rec["team"].split(";") if t.strip())
        for team in member_of:
            if team not in teams:
                bad(line, "team", f"unknown team {team!r}")
        role = rec["role"] or "other"
        if role not in roles:
            bad(line, "role", f"unknown role {role!r} (roles: {', '.join(sorted(roles))})")
        if email:
            emails.setdefault(email.lower(), line)
        first = member_of[0] if member_of else None
        people.setdefault(pid, Person(pid, rec["name"], email, slack_id, first, role, member_of, line))
    return people, problems


def _rows(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """Rows with the line each starts on (a quoted value may span lines)."""
    start = reader.line_num + 1
    for values in reader:
        yield start, values
        start = reader.line_num + 1
