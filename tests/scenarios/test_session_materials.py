"""Session information as the 2015 symposium's mobile site held it: each session's
description, presenters and materials in the event file, /agenda <session>, the Home tab
as the event's site, and one DM with the links when materials are added afterwards."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.core import ManualClock
from bot.devkit import Workspace
from bot.event import Problem, load_event
from tests.kit import ROOT
from tests.kit.event_file import EVENT, edit, only_problem, problems, write

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


EXAMPLE_DIR = ROOT / "examples" / "symposium-2015"


def copy_example(tmp_path: Path) -> Path:
    """The example event's folder copied, for a test to edit; its event file's path."""
    shutil.copytree(EXAMPLE_DIR, tmp_path / "event")
    return tmp_path / "event" / "event.yaml"


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


# --------------------------------------------------------------------------- /agenda <session>


def agenda(ws: Workspace, text: str, person: str = "abc-usd-supt") -> dict:  # type: ignore[type-arg]
    reply = ws.driver.command(ws.user(person), f"/agenda {text}", channel="#lmi-plenary")
    assert reply.status == 200
    assert reply.json.get("response_type", "ephemeral") == "ephemeral"
    return reply.json


def test_agenda_by_id_shows_the_session_in_full(ws: Workspace) -> None:
    answer = agenda(ws, "r1-par")
    text = json.dumps(answer["blocks"], ensure_ascii=False)
    assert (
        "Saturday, May 9, 10:00–11:00 AM · *Focusing on Teacher Quality Through Peer Assistance and Review*"
        " · Presidio Room · <#" in text
    )
    assert "How the professional support of Peer Assistance and Review" in text
    assert "Presenters: Julia Koppich and San Juan Unified School District" in text
    assert "<https://example.org/lmi/symp/slides/peer-assistance-and-review.pdf|Slides>" in text
    assert "<http://cdefoundation.org/lmi/symp/breakouts.php|About the breakout sessions>" in text


def test_agenda_by_title_words_and_by_time(ws: Workspace, clock: ManualClock) -> None:
    words = json.dumps(agenda(ws, "massachusetts panel")["blocks"])
    assert "Lunch plenary: Massachusetts Education Partnership panel" in words
    assert "http://www.massedpartnership.org/|Massachusetts Education Partnership" in words
    clock.set(datetime(2015, 5, 9, 15, 0, tzinfo=UTC))  # Saturday morning
    at = json.dumps(agenda(ws, "14:50")["blocks"], ensure_ascii=False)
    assert "Team time 2: vision headlines" in at and "Role-alike" not in at
    gap = json.dumps(agenda(ws, "14:30")["blocks"], ensure_ascii=False)  # a break: what starts next
    assert "2:45–3:30 PM · *Team time 2: vision headlines*" in gap and "Role-alike" not in gap
    afternoon = json.dumps(agenda(ws, "1:45")["blocks"], ensure_ascii=False)  # no one meets at 1:45 AM
    assert "Role-alike: superintendents" in afternoon and "Role-alike: school board members" in afternoon


def test_agenda_for_an_unknown_session_suggests_the_closest(ws: Workspace) -> None:
    answer = agenda(ws, "peer asistance reveiw")
    assert answer["text"].startswith("No session matches “peer asistance reveiw”.")
    assert "`/agenda r1-par`" in answer["text"]
    nothing = agenda(ws, "11:30 pm")
    assert nothing["text"].startswith("No session matches “11:30 pm”.")


def test_agenda_details_read_typed_text_as_text(tmp_path: Path, engine: Engine, clock: ManualClock) -> None:
    event = copy_example(tmp_path)
    text = event.read_text(encoding="utf-8")
    text = text.replace(
        "      - {name: Ken Futernick}\n",
        '      - {name: "<!channel> *Ken*", affiliation: "<https://evil.example|x>"}\n',
    )
    event.write_text(text, encoding="utf-8")
    with Workspace(load_event(event), clock=clock, engine=engine) as ws:
        body = json.dumps(agenda(ws, "r1-features")["blocks"])
    assert "<!channel>" not in body and "<https://evil" not in body
    assert "&lt;!channel&gt;" in body


# --------------------------------------------------------------------------- the Home tab


def home(ws: Workspace, person: str) -> tuple[list[dict], str]:  # type: ignore[type-arg]
    user = ws.user(person)
    assert ws.driver.event({"type": "app_home_opened", "user": user, "tab": "home"}).status == 200
    views = [v for v in ws.sandbox.views.values() if v.kind == "home" and v.user == user]
    blocks = views[-1].view["blocks"]
    return blocks, json.dumps(blocks, ensure_ascii=False)


def test_home_tab_is_the_mobile_site(ws: Workspace, clock: ManualClock) -> None:
    clock.set(datetime(2015, 5, 9, 15, 0, tzinfo=UTC))  # 8:00 AM Saturday
    supt = ws.user("abc-usd-supt")
    first, _ = home(ws, "abc-usd-supt")
    view_id = next(v.id for v in ws.sandbox.views.values() if v.kind == "home" and v.user == supt)
    ws.driver.select(supt, view_id=view_id, action_id="breakout_choose_20150509T1700Z", value="r1-par")
    ws.driver.command(ws.user("facilitator-lead"), "/poll launch capacity-project", channel="#lmi-team-time")
    blocks, body = home(ws, "abc-usd-supt")
    assert len(blocks) <= 100
    # Today's agenda, each session with its details and materials.
    assert "10:00–11:00 AM · *Focusing on Teacher Quality Through Peer Assistance and Review*" in body
    assert "Presenters: Julia Koppich and San Juan Unified School District" in body
    assert "<https://example.org/lmi/symp/slides/peer-assistance-and-review.pdf|Slides>" in body
    assert "Building a statewide labor-management initiative" in body
    assert "<http://www.massedpartnership.org/|Massachusetts Education Partnership>" in body
    # The polls open now, and the feedback form.
    assert (
        "*Polls open now*" in body
        and "Would your district join a California District Capacity Project" in body
    )
    assert "*Feedback form*: How did the symposium go for you?" in body
    assert "It opens at Saturday, May 9, 3:30 PM" in body
    ws.run_until(datetime(2015, 5, 9, 22, 31, tzinfo=UTC))  # the closing session has begun
    _, later = home(ws, "abc-usd-supt")
    assert "*Take the survey* button in your messages from Convene" in later


def test_home_tab_stays_within_the_block_limit(tmp_path: Path, engine: Engine, clock: ManualClock) -> None:
    path = copy_example(tmp_path)
    extra = "".join(
        f"""  - id: extra-{n}
    title: Extra session {n}
    day: 2015-05-08
    start: "{8 + n * 5 // 60:02d}:{n * 5 % 60:02d}"
    end: "{8 + (n * 5 + 5) // 60:02d}:{(n * 5 + 5) % 60:02d}"
    kind: plenary
    description: Session {n}.
    materials:
      - {{title: Notes {n}, url: "https://example.org/notes/{n}"}}
"""
        for n in range(60)
    )
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\nsessions:\n", "\nsessions:\n" + extra, 1), encoding="utf-8")
    with Workspace(load_event(path), clock=clock, engine=engine) as ws:
        blocks, body = home(ws, "abc-usd-supt")
    assert len(blocks) <= 100
    assert "Extra session 0*" in body
    assert "more sessions: `/agenda me` lists your day." in body
    assert "_No polls are open right now._" in body and "*Feedback form*" in body
    # A session shown is shown whole: no title without its materials.
    shown = [n for n in range(60) if f"Extra session {n}*" in body]
    assert all(f"https://example.org/notes/{n}|" in body for n in shown)
    assert f"…and {60 + 4 - len(shown)} more sessions" in body


# --------------------------------------------------------------------------- materials added after


def dms_with(ws: Workspace, person: str, needle: str) -> list[str]:
    channel = ws.sandbox.dms.get(ws.user(person))
    return [m.text for m in ws.sandbox.messages(channel)] if channel else []


def test_materials_added_after_a_session_reach_who_attended_once(
    tmp_path: Path, engine: Engine, clock: ManualClock
) -> None:
    path = copy_example(tmp_path)
    with Workspace(load_event(path), clock=clock, engine=engine) as ws:
        organizer = ws.user(ws.event.organizers[0])
        supt = ws.user("abc-usd-supt")
        ws.driver.event({"type": "app_home_opened", "user": supt, "tab": "home"})
        view_id = next(v.id for v in ws.sandbox.views.values() if v.kind == "home" and v.user == supt)
        ws.driver.select(
            supt, view_id=view_id, action_id="breakout_choose_20150509T1700Z", value="r1-features"
        )
        ws.run_until(datetime(2015, 5, 9, 18, 30, tzinfo=UTC))  # 11:30 AM: round one has ended
        text = path.read_text(encoding="utf-8")
        added = '      - {title: Slides, url: "https://example.org/lmi/symp/slides/eight-critical-features.pdf"}\n'
        text = text.replace(
            added,
            added + '      - {title: Myths handout, url: "https://example.org/lmi/symp/myths.pdf"}\n',
            1,
        )
        path.write_text(text, encoding="utf-8")

        # Not an organizer: told so, and nothing is read or sent.
        refused = ws.driver.command(supt, "/event reload", channel="#lmi-plenary").body
        assert refused == "Only the event's organizers can reload the event file."
        answer = ws.driver.command(organizer, "/event reload", channel="#lmi-plenary").body
        assert "New materials are on their way to" in answer
        ws.run_until(datetime(2015, 5, 9, 18, 31, tzinfo=UTC))
        got = [t for t in ws.sandbox.messages(ws.sandbox.dms[supt]) if "New materials" in t.text]
        assert len(got) == 1
        assert "*Eight Critical Features of Effective Collaboration*" in got[0].text
        assert "<https://example.org/lmi/symp/myths.pdf|Myths handout>" in got[0].text
        assert "r1-features" not in got[0].text
        # Someone who went to another breakout gets nothing.
        board = ws.user("abc-usd-board")
        assert not [t for t in ws.sandbox.messages(ws.sandbox.dms.get(board, "")) if "Myths" in t.text]
        # Reloading again sends nothing more.
        ws.driver.command(organizer, "/event reload", channel="#lmi-plenary")
        ws.run_until(datetime(2015, 5, 9, 18, 35, tzinfo=UTC))
        again = [t for t in ws.sandbox.messages(ws.sandbox.dms[supt]) if "Myths handout" in t.text]
        assert len(again) == 1
        # The updated session shows its new material at once.
        assert "myths.pdf" in json.dumps(
            ws.driver.command(supt, "/agenda r1-features", channel="#lmi-plenary").json
        )


def test_reload_of_an_event_file_that_no_longer_checks(
    tmp_path: Path, engine: Engine, clock: ManualClock
) -> None:
    path = copy_example(tmp_path)
    with Workspace(load_event(path), clock=clock, engine=engine) as ws:
        organizer = ws.user(ws.event.organizers[0])
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace("http://www.massedpartnership.org/", "www.massedpartnership.org"), "utf-8"
        )
        answer = ws.driver.command(organizer, "/event reload", channel="#lmi-plenary").body
    assert answer.startswith("The event file no longer checks; nothing was changed:")
    assert "materials[0].url" in answer and "http:// or https://" in answer
    assert "Traceback" not in answer
