"""Session information as the 2015 symposium's mobile site held it: each session's
description, presenters and materials in the event file, /agenda <session>, the Home tab
as the event's site, and one DM with the links when materials are added afterwards."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.scenarios.test_event_file import (
    EVENT,
    ROOT,
    Problem,
    edit,
    load_event,
    only_problem,
    problems,
    write,
)

SESSION_INFO = """\
    description: Why the summit, and what it will do.
    presenters:
      - {name: Ana Ortiz, affiliation: North Unified}
      - name: Guest Speaker
    materials:
      - {title: Opening slides, url: "https://example.org/summit/opening.pdf"}
"""


def with_info(info: str = SESSION_INFO) -> str:
    return edit(EVENT, "    room: Hall\n  - id: role-supts", f"    room: Hall\n{info}  - id: role-supts")


# --------------------------------------------------------------------------- the event file


def test_sessions_carry_description_presenters_and_materials(tmp_path: Path) -> None:
    event = load_event(write(tmp_path, with_info()).event)
    welcome = event.sessions["welcome"]
    assert welcome.description == "Why the summit, and what it will do."
    assert [(p.name, p.affiliation) for p in welcome.presenters] == [
        ("Ana Ortiz", "North Unified"),
        ("Guest Speaker", None),
    ]
    assert [(m.title, m.url) for m in welcome.materials] == [
        ("Opening slides", "https://example.org/summit/opening.pdf")
    ]
    assert event.sessions["closing"].presenters == [] and event.sessions["closing"].materials == []


def test_a_material_whose_url_is_not_http_is_a_located_problem(tmp_path: Path) -> None:
    bad = SESSION_INFO.replace("https://example.org/summit/opening.pdf", "javascript:alert(1)")
    files = write(tmp_path, with_info(bad))
    problem = only_problem(files)
    assert problem.line == files.line("javascript:alert(1)")
    assert problem.field == "sessions[0] (welcome).materials[0].url"
    assert "http:// or https://" in problem.message


def test_a_material_without_a_title_or_a_presenter_without_a_name(tmp_path: Path) -> None:
    bad = SESSION_INFO.replace("title: Opening slides, ", "").replace("name: Guest Speaker", "affiliation: X")
    files = write(tmp_path, with_info(bad))
    fields = {p.field for p in problems(files)}
    assert fields == {"sessions[0] (welcome).materials[0].title", "sessions[0] (welcome).presenters[1].name"}


def test_check_names_the_file_line_and_field_of_a_bad_url(tmp_path: Path) -> None:
    bad = SESSION_INFO.replace("https://example.org/summit/opening.pdf", "ftp://example.org/x|y")
    files = write(tmp_path, with_info(bad))
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "check", str(files.event)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    expected = Problem(
        files.ev, files.line("ftp://example.org"), "sessions[0] (welcome).materials[0].url", ""
    )
    assert f"{expected.file}:{expected.line}: {expected.field}: " in done.stderr
    assert "Traceback" not in done.stderr


def test_the_same_material_address_twice_in_a_session(tmp_path: Path) -> None:
    twice = SESSION_INFO + '      - {title: Again, url: "https://example.org/summit/opening.pdf"}\n'
    problem = only_problem(write(tmp_path, with_info(twice)))
    assert problem.field == "sessions[0] (welcome).materials"
    assert "https://example.org/summit/opening.pdf is listed twice" in problem.message


def test_a_broken_address_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    bad = SESSION_INFO.replace("https://example.org/summit/opening.pdf", "http://[::1")
    problem = only_problem(write(tmp_path, with_info(bad)))
    assert problem.field == "sessions[0] (welcome).materials[0].url"
    assert "is not a web address" in problem.message
