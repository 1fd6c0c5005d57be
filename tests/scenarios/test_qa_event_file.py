"""The event file's `qa:` keys: a session's Q&A, the event's defaults, the sends they plan,
and every mistake `convene check` reports with file, line and field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.event import Problem, load_event, plan
from tests.kit.event_file import EVENT, edit, only_problem, write

PLENARY = "    kind: plenary\n    room: Hall\n"


def with_qa(session_lines: str, defaults: str = "", *, channel: bool = True) -> str:
    """The test event with Q&A on its welcome session (and `qa:` defaults, if given)."""
    where = "    channel: summit-plenary\n" if channel else ""
    text = edit(EVENT, PLENARY, PLENARY + where + session_lines)
    return text + defaults


def test_a_sessions_qa_takes_the_events_defaults_and_plans_its_open_and_close(tmp_path: Path) -> None:
    text = with_qa('    qa: {closes: "16:20"}\n', "qa:\n  moderated: true\n  anonymous: false\n")
    event = load_event(write(tmp_path, text).event)
    qa = event.qa_of(event.sessions["welcome"])
    assert qa is not None
    assert (qa.opens, qa.closes, qa.moderated, qa.anonymous) == ("start", "16:20", True, False)
    assert event.qa_of(event.sessions["closing"]) is None  # no `qa:`: no Q&A on schedule
    jobs = {job.id: job for job in plan(event)}
    # 4:00 and 4:20 PM in New York, the day before daylight saving time starts.
    assert jobs["qa-open:welcome"].at == datetime(2024, 3, 9, 21, 0, tzinfo=UTC)
    assert jobs["qa-close:welcome"].at == datetime(2024, 3, 9, 21, 20, tzinfo=UTC)
    assert jobs["qa-open:welcome"].to == "#summit-plenary"
    assert "summary:welcome" in jobs  # a session with Q&A gets its summary, polls or not


def test_qa_true_and_opens_by_hand_only(tmp_path: Path) -> None:
    event = load_event(write(tmp_path, with_qa("    qa: true\n", "qa: {opens: ~}\n")).event)
    assert event.qa_of(event.sessions["welcome"]) == event.qa
    ids = [job.id for job in plan(event)]
    assert "qa-open:welcome" not in ids and "qa-close:welcome" in ids


def test_qa_on_schedule_needs_the_sessions_channel(tmp_path: Path) -> None:
    files = write(tmp_path, with_qa("    qa: true\n", channel=False))
    assert only_problem(files) == Problem(
        files.ev,
        files.line("qa: true"),
        "sessions[0] (welcome).qa",
        "Q&A opens in the session's channel: give the session a `channel:`, or `opens: ~` to open it "
        "only with /qa open",
    )


def test_qa_that_closes_before_it_opens(tmp_path: Path) -> None:
    files = write(tmp_path, with_qa('    qa:\n      opens: "16:10"\n      closes: "15:55"\n'))
    assert only_problem(files) == Problem(
        files.ev,
        files.line('closes: "15:55"'),
        "sessions[0] (welcome).qa.closes",
        "Q&A closes (15:55) before it opens (16:10)",
    )


def test_bad_qa_times_keys_and_moderators(tmp_path: Path) -> None:
    for lines, needle, field, message in (
        (
            "    qa: {opens: 4pm}\n",
            "qa: {opens: 4pm}",
            "sessions[0] (welcome).qa.opens",
            '\'4pm\' is not "start", "end", "HH:MM" or "YYYY-MM-DD HH:MM"',
        ),
        (
            "    qa: {opens: 930}\n",
            "qa: {opens: 930}",
            "sessions[0] (welcome).qa.opens",
            '930 is not a time; write "start", "end", "HH:MM" or "YYYY-MM-DD HH:MM"',
        ),
        (
            "    qa: {moderate: true}\n",
            "qa: {moderate: true}",
            "sessions[0] (welcome).qa.moderate",
            "unknown field (check the spelling)",
        ),
        (
            "    qa: {moderators: [nobody]}\n",
            "qa: {moderators: [nobody]}",
            "sessions[0] (welcome).qa.moderators[0]",
            "'nobody' is not in the roster (use a roster id or email)",
        ),
    ):
        files = write(tmp_path, with_qa(lines))
        assert only_problem(files) == Problem(files.ev, files.line(needle), field, message), lines


def test_the_events_qa_defaults_are_checked_too(tmp_path: Path) -> None:
    files = write(tmp_path, with_qa("    qa: true\n", "qa:\n  anonymus: true\n"))
    assert only_problem(files) == Problem(
        files.ev, files.line("anonymus: true"), "qa.anonymus", "unknown field (check the spelling)"
    )


def test_qa_false_is_no_qa_and_a_number_is_a_mistake(tmp_path: Path) -> None:
    event = load_event(write(tmp_path, with_qa("    qa: false\n")).event)
    assert event.qa_of(event.sessions["welcome"]) is None
    assert not [job for job in plan(event) if job.id.startswith("qa-")]
    files = write(tmp_path, with_qa("    qa: 3\n"))
    assert only_problem(files) == Problem(
        files.ev,
        files.line("qa: 3"),
        "sessions[0] (welcome).qa",
        "write true, false, or a mapping of its keys "
        "(opens, closes, moderated, anonymous, moderators), not 3",
    )
