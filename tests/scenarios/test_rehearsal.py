"""`convene rehearse`: a whole event played through the real HTTP endpoint, scheduler and outbox."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.kit import ROOT

QUICKSTART = ROOT / "examples" / "quickstart"
EXAMPLE = ROOT / "examples" / "symposium-2015" / "event.yaml"
# The example's files as they are before any rehearsal runs: a rehearsal never writes to them.
EXAMPLE_FILES = {path: path.read_bytes() for path in (EXAMPLE, EXAMPLE.parent / "roster.csv")}

# A rehearsal plays on a SQLite file of its own, whatever DATABASE_URL says: once is enough.
pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql")),
    reason="a rehearsal uses a SQLite file of its own; it runs in the SQLite pass",
)


@pytest.mark.slow
def test_a_rehearsal_writes_timeline_summaries_report_and_findings(tmp_path: Path) -> None:
    event = (QUICKSTART / "event.yaml").read_text()
    # Two things a rehearsal should catch: a poll nobody launches, a session with no channel.
    event = event.replace(
        "  - id: warmup\n",
        "  - id: forgotten\n    question: Did anyone launch me?\n    kind: open_text\n  - id: warmup\n",
        1,
    )
    event = event.replace("    room: Room B\n    channel: summit-supts\n", "    room: Room B\n", 1)
    folder = tmp_path / "event"
    folder.mkdir()
    (folder / "event.yaml").write_text(event)
    (folder / "roster.csv").write_text((QUICKSTART / "roster.csv").read_text())
    out = tmp_path / "rehearsal"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "rehearse",
            str(folder / "event.yaml"),
            "--out",
            str(out),
            "--participants",
            "24",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Rehearsed in" in result.stdout and "findings" in result.stdout
    for name in (
        "timeline.md",
        "timeline.json",
        "summaries.md",
        "findings.md",
        "findings.json",
        "report/report.md",
        "report/report.html",
    ):
        assert (out / name).is_file(), name
    timeline = json.loads((out / "timeline.json").read_text())
    whats = [t["what"] for t in timeline]
    assert any("Opening plenary* starts at 9:00 AM (in 30 minutes)" in w for w in whats)
    assert any(w.startswith("Poll: Where is your team in its partnership today?") for w in whats)
    assert any("Vision headlines" in w for w in whats)  # the closing session's wall
    assert [t["at"] for t in timeline] == sorted(t["at"] for t in timeline)
    findings = {
        (f["kind"], f["detail"].split(":")[0]) for f in json.loads((out / "findings.json").read_text())
    }
    assert ("poll never launched", "forgotten") in findings
    assert any(kind == "session with no channel" for kind, _ in findings)
    summaries = (out / "summaries.md").read_text()
    assert "## Summary: Opening plenary" in summaries and "## Daily digest: Friday, April 17" in summaries
    report = (out / "report" / "report.md").read_text()
    assert "## Evaluation" in report and "| Agree or strongly agree |" in report
    assert sorted((out / "files").glob("wordcloud-headlines-*.png"))


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One rehearsal of the example event, shared by the tests that read what it left."""
    out = tmp_path_factory.mktemp("example") / "rehearsal"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "rehearse", str(EXAMPLE), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return out, result.stdout


@pytest.mark.slow
def test_after_a_rehearsal_no_row_links_an_anonymous_poll_to_a_person(example: tuple[Path, str]) -> None:
    """The example event's anonymous polls and survey, rehearsed end to end (DMs, nudges,
    votes, summaries, the report): afterwards no row of any table holds both an anonymous
    poll's id and a person's roster id or Slack user id."""
    import sqlite3

    from bot.event import load_event

    out, _stdout = example
    event = load_event(EXAMPLE, check_colormap=False)
    anonymous = {p for p, spec in event.polls.items() if spec.anonymous}
    assert {"evaluation", "eval-useful"} <= anonymous
    db = sqlite3.connect(out / "rehearsal.db")
    people = set(event.people) | {row[0] for row in db.execute("SELECT slack_user_id FROM identity")}
    people |= {p.slack_id for p in event.people.values() if p.slack_id}
    assert len(people) > len(event.people)  # the rehearsal's people were matched to Slack ids
    answers = db.execute(
        f"SELECT count(*) FROM response WHERE poll_id IN ({','.join('?' * len(anonymous))})",
        sorted(anonymous),
    ).fetchone()[0]
    assert answers > 0  # the rehearsal answered anonymous polls
    tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    linked = []
    for table in tables:
        for row in db.execute(f'SELECT * FROM "{table}"'):
            tokens = set()
            for value in row:
                tokens |= id_tokens(value)
            if tokens & anonymous and tokens & people:
                linked.append((table, sorted(tokens & anonymous), sorted(tokens & people)))
    assert linked == []


@pytest.mark.slow
def test_on_the_example_people_look_up_the_agenda_and_every_lookup_is_answered(
    example: tuple[Path, str],
) -> None:
    out, stdout = example
    [line] = [line for line in stdout.splitlines() if "agenda lookups" in line]
    found = re.search(
        r"(\d+) agenda lookups \(/agenda me: (\d+), a session: (\d+), a time: (\d+)\), all answered", line
    )
    assert found, line
    total, *kinds = (int(n) for n in found.groups())
    assert total == sum(kinds) and all(n > 0 for n in kinds), line
    findings = json.loads((out / "findings.json").read_text())
    assert not [f for f in findings if f["kind"].startswith("agenda lookup")]


@pytest.mark.slow
def test_on_the_example_slides_posted_after_a_breakout_reach_exactly_those_who_chose_it(
    example: tuple[Path, str],
) -> None:
    """After the last round of breakouts, the rehearsal adds slides to one of them in its copy
    of the event file and an organizer runs `/event reload`: the materials DM goes to the
    people who chose that breakout, no one else; the organizer's own files are untouched."""
    from bot.event import load_event

    out, stdout = example
    assert {path: path.read_bytes() for path in EXAMPLE_FILES} == EXAMPLE_FILES
    copy = out / "event" / "event.yaml"
    assert (out / "event" / "roster.csv").read_bytes() == EXAMPLE_FILES[EXAMPLE.parent / "roster.csv"]
    sent = rows(out, "SELECT key, status, payload FROM outbox WHERE key LIKE 'materials:%'")
    [session] = {key.split(":")[1] for key, _, _ in sent}
    event = load_event(EXAMPLE, check_colormap=False)
    breakouts = [s for s in event.agenda() if s.kind == "breakout"]
    assert event.sessions[session] in breakouts  # one of the last round's
    assert event.sessions[session].end == max(s.end for s in breakouts if s.day == event.info.days[-1])
    url = f"https://example.org/rehearsal/{session}-slides.pdf"
    assert url in copy.read_text() and url.encode() not in EXAMPLE_FILES[EXAMPLE]
    assert {status for _, status, _ in sent} == {"sent"}
    assert all(url in json.loads(payload)["text"] for *_, payload in sent)
    chose = {p for (p,) in rows(out, f"SELECT person_id FROM breakoutchoice WHERE session_id = '{session}'")}
    assert chose and {key.split(":")[2] for key, _, _ in sent} == chose
    n = len(chose)
    assert (
        f"slides posted after {session} (/event reload): {n} of {n} people who attended got them by DM"
        in stdout
    )
    findings = json.loads((out / "findings.json").read_text())
    assert not [f for f in findings if f["kind"].startswith(("event reload", "materials"))]


def team_answers(out: Path, poll: str) -> dict[str, tuple[str, int]]:
    """Each team's answer to a team poll, as stored: team id -> (who gave it, the option)."""
    return {
        key.removeprefix("team:"): (user, json.loads(choices)[0])
        for key, user, choices in rows(
            out, f"SELECT voter_key, user_id, choices FROM response WHERE poll_id = '{poll}'"
        )
    }


@pytest.mark.slow
def test_on_the_example_one_member_answers_the_team_poll_for_each_team_and_a_few_teammates_change_it(
    example: tuple[Path, str],
) -> None:
    from bot.event import load_event

    out, stdout = example
    event = load_event(EXAMPLE, check_colormap=False)
    answers = team_answers(out, "team-stage")
    assert sorted(answers) == sorted(event.teams)  # one answer per team, none per person
    person_of = {
        slack: person for person, slack in rows(out, "SELECT person_id, slack_user_id FROM identity")
    }
    assert all(event.people[person_of[user]].team == team for team, (user, _) in answers.items())
    # Each answer the team gave brought its focus questions: most teams gave one, a few changed it.
    keys = [k.split(":") for (k,) in rows(out, "SELECT key FROM outbox WHERE key LIKE 'focus:team-stage:%'")]
    given = Counter(team for team, _choice in {(key[2], key[3]) for key in keys})
    changed = [team for team, n in given.items() if n > 1]
    assert 0 < len(changed) < len(event.teams) / 4, given
    teams = len(event.teams)
    assert (
        f"{teams} of {teams} district teams answered the team poll team-stage, one member for each team"
        in stdout
    )
    assert f"a teammate changed {len(changed)} of those answers" in stdout


@pytest.mark.slow
def test_on_the_example_every_member_gets_the_team_focus_questions_and_late_teams_are_nudged(
    example: tuple[Path, str],
) -> None:
    """The focus questions for each team's answer reach every member by DM (the outbox, then
    Slack); a quarter of the way in, the facilitator's `/poll nudge` reaches the teams that
    have not answered, and they answer after it."""
    from bot.event import load_event
    from bot.polls import focus_key

    out, stdout = example
    event = load_event(EXAMPLE, check_colormap=False)
    spec = event.polls["team-stage"]
    [(options,)] = rows(out, "SELECT options FROM poll WHERE id = 'team-stage'")
    labels = json.loads(options)
    for team, (_user, choice) in team_answers(out, "team-stage").items():
        members = [p.id for p in event.people.values() if team in p.teams]
        assert len(members) == 4
        for member in members:
            key = focus_key(spec.id, team, choice, member)
            [(status, payload)] = rows(out, f"SELECT status, payload FROM outbox WHERE key = '{key}'")
            assert status == "sent"
            assert spec.focus_for(labels[choice])[0] in json.loads(payload)["text"]
    nudges = rows(out, "SELECT key, status, sent_at FROM outbox WHERE key LIKE 'team-nudge:team-stage:%'")
    nudged = {key.split(":")[2] for key, _, _ in nudges}
    assert nudged and len(nudged) < len(event.teams) / 2 and {s for _, s, _ in nudges} == {"sent"}
    answered = dict(rows(out, "SELECT voter_key, updated_at FROM response WHERE poll_id = 'team-stage'"))
    assert all(
        answered[f"team:{team}"] > min(at for key, _, at in nudges if key.split(":")[2] == team)
        for team in nudged
    )
    reached = f"/poll nudge reached {len(nudged)} district teams ({len(nudges)} people)"
    assert f"{reached}, {len(nudged)} of which then answered" in stdout


@pytest.mark.slow
def test_on_the_example_people_rank_the_options_in_the_ranking_form(example: tuple[Path, str]) -> None:
    out, stdout = example
    rankings = [
        json.loads(c)
        for (c,) in rows(out, "SELECT choices FROM response WHERE poll_id = 'next-year-priorities'")
    ]
    assert len(rankings) > 100
    assert all(sorted(r) == [0, 1, 2, 3, 4] for r in rankings)  # every option once
    assert len({tuple(r) for r in rankings}) > len(rankings) / 3  # people's orders differ
    firsts = Counter(r[0] for r in rankings)
    assert len(firsts) == 5 and firsts.most_common(1)[0][1] > len(rankings) / 4  # but one option leads
    assert f"{len(rankings)} rankings submitted (next-year-priorities: {len(rankings)})" in stdout
    report = (out / "report" / "report.md").read_text()
    assert f"{len(rankings)} of " in report.split("Which should the CA LMI put first", 1)[1][:200]


def id_tokens(value: object) -> set[str]:
    """The ids a stored value holds: the value itself, the parts of a key ("poll-nudge:eval:0"),
    JSON leaves and the strings in a pickled blob; never the words of prose (a question that
    says "evaluation" names no poll)."""
    import json
    import re

    if isinstance(value, bytes):
        return {t for s in re.findall(rb"[\x21-\x7e]{2,}", value) for t in id_tokens(s.decode())}
    if not isinstance(value, str):
        return set()
    if value[:1] in "[{":
        try:
            data = json.loads(value)
        except ValueError:
            data = None
        if data is not None:
            leaves: list[object] = []
            stack: list[object] = [data]
            while stack:
                item = stack.pop()
                if isinstance(item, dict):
                    stack += [*item.keys(), *item.values()]
                elif isinstance(item, list):
                    stack += item
                else:
                    leaves.append(item)
            return {t for leaf in leaves for t in id_tokens(leaf)}
    if " " in value.strip():
        return set()
    return {part for part in re.split(r"[:/,|=]", value) if part}


# ------------------------------------------------------------------ what simulated people do

BREAKOUTS = """\
  - id: bo-budget
    title: Budget together
    day: 2026-04-18
    start: "10:00"
    end: "11:00"
    kind: breakout
    room: Room C
    channel: summit-budget
  - id: bo-trust
    title: Building trust
    day: 2026-04-18
    start: "10:00"
    end: "11:00"
    kind: breakout
    room: Room D
    channel: summit-trust
  - id: bo-staff
    title: Staff only
    day: 2026-04-18
    start: "10:00"
    end: "11:00"
    kind: breakout
    room: Room E
    channel: summit-staff
    audience: {roles: [other]}
"""


def rich_event(folder: Path) -> Path:
    """The quickstart event with a round of breakouts (one of them only for staff, who never
    choose one) and Q&A on the opening (moderated) and the closing session."""
    event = (QUICKSTART / "event.yaml").read_text()
    event = event.replace("sessions:\n", "sessions:\n" + BREAKOUTS, 1)
    event = event.replace(
        "    reminders: [30, 5]                    # this session's own offsets ([] for none)\n",
        "    reminders: [30, 5]\n    qa: {moderated: true}\n",
        1,
    )
    event = event.replace(
        "    kind: closing\n    room: Main Hall\n    channel: summit-plenary\n",
        "    kind: closing\n    room: Main Hall\n    channel: summit-plenary\n    qa: true\n",
        1,
    )
    assert event.count("qa:") == 2 and "bo-staff" in event
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "event.yaml").write_text(event)
    (folder / "roster.csv").write_text((QUICKSTART / "roster.csv").read_text())
    return folder / "event.yaml"


def rehearse(event: Path, out: Path, *, participants: int = 60, seed: int | None = None) -> str:
    argv = [sys.executable, "-m", "bot.cli", "rehearse", str(event), "--out", str(out)]
    argv += ["--participants", str(participants)]
    if seed is not None:
        argv += ["--seed", str(seed)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def rows(out: Path, query: str) -> list[tuple]:  # type: ignore[type-arg]
    import sqlite3

    with sqlite3.connect(out / "rehearsal.db") as db:
        return list(db.execute(query))


@pytest.fixture(scope="module")
def rehearsed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One rehearsal of the rich event, shared by the tests that read what it left."""
    base = tmp_path_factory.mktemp("rich")
    out = base / "rehearsal"
    return out, rehearse(rich_event(base / "event"), out)


@pytest.mark.slow
def test_simulated_people_choose_breakouts_on_the_home_tab_and_their_reminders_reach_them(
    rehearsed: tuple[Path, str],
) -> None:
    out, stdout = rehearsed
    chosen = dict(rows(out, "SELECT session_id, count(*) FROM breakoutchoice GROUP BY session_id"))
    assert chosen.get("bo-budget", 0) > 0 and chosen.get("bo-trust", 0) > 0, chosen
    assert "bo-staff" not in chosen
    runs = dict(rows(out, "SELECT job_id, detail FROM jobrun WHERE job_id LIKE 'dm-reminder:bo-%'"))
    assert runs["dm-reminder:bo-budget:10"] == f"{chosen['bo-budget']} DMs"
    assert runs["dm-reminder:bo-trust:10"] == f"{chosen['bo-trust']} DMs"
    timeline = json.loads((out / "timeline.json").read_text())
    reminded = [t for t in timeline if t["where"].startswith("DM to ") and "*Building trust*" in t["what"]]
    assert len(reminded) == chosen["bo-trust"]
    assert "breakout choices on the Home tab" in stdout


@pytest.mark.slow
def test_a_planned_send_that_reaches_nobody_is_a_finding_naming_the_job_and_why(
    rehearsed: tuple[Path, str],
) -> None:
    out, stdout = rehearsed
    findings = json.loads((out / "findings.json").read_text())
    nobody = [f["detail"] for f in findings if f["kind"] == "planned send reached nobody"]
    assert len(nobody) == 1, findings
    assert nobody[0].startswith("dm-reminder:bo-staff:10 (personal reminder: Staff only, Saturday, April 18")
    assert nobody[0].endswith("nobody chose this breakout on the Home tab (2 people could)")
    assert "planned send reached nobody: dm-reminder:bo-staff:10" in stdout
    assert "**planned send reached nobody**" in (out / "findings.md").read_text()


@pytest.mark.slow
def test_simulated_people_ask_and_upvote_in_q_and_a_and_moderators_approve_some(
    rehearsed: tuple[Path, str],
) -> None:
    out, stdout = rehearsed
    asked = rows(out, "SELECT qa_id, status, anonymous, text FROM question")
    by_qa = {qa: [q for q in asked if q[0] == qa] for qa in ("opening", "closing")}
    assert all(len(qs) >= 2 for qs in by_qa.values()), asked
    assert any(anonymous for _, _, anonymous, _ in asked) and not all(a for _, _, a, _ in asked)
    # The opening's Q&A is moderated: its moderator approved some (they show, some answered).
    assert {status for _, status, _, _ in by_qa["opening"]} & {"open", "answered"}
    assert all(status != "pending" for _, status, _, _ in by_qa["closing"])
    upvoted = rows(out, "SELECT count(*) FROM upvote")[0][0]
    assert upvoted >= 5
    assert len({text for *_, text in asked}) >= len(asked) - 1  # questions vary
    report = (out / "report" / "report.md").read_text()
    summaries = (out / "summaries.md").read_text()
    for qa, questions in by_qa.items():
        shown = [text for _, status, _, text in questions if status in ("open", "answered")]
        assert any(text in report for text in shown), qa
    assert f"*Q&A*: {len(by_qa['opening'])} questions asked" in summaries
    assert "questions asked in Q&A" in stdout and "upvotes" in stdout


@pytest.mark.slow
def test_simulated_text_varies_by_question_and_names_no_team(rehearsed: tuple[Path, str]) -> None:
    out, _stdout = rehearsed
    headlines = [t for (t,) in rows(out, "SELECT text FROM headline")]
    assert len(headlines) >= 1
    words = {"river", "valley", "unified", "elementary"}
    assert not [h for h in headlines if words & set(h.lower().split())]
    answers = rows(out, "SELECT poll_id, text FROM response WHERE text IS NOT NULL")
    expectations = {t for p, t in answers if p == "expectations"}
    hopes = {t for p, t in answers if p == "hopes"}
    assert len(expectations) >= 10 and len(hopes) >= 10
    assert not expectations & hopes  # two questions, two kinds of answer
    assert not [t for _, t in answers if words & set(t.lower().split())]


def test_teams_split_up_for_breakouts_as_at_the_model_event_and_a_seed_plays_the_same() -> None:
    """The example's teams of four: most go in pairs and cover four different breakouts over
    the two rounds; some have someone alone, some leave breakouts uncovered; a few people never
    choose; the same seed chooses the same, another seed otherwise."""
    from bot.devkit.synthetic import breakout_choices
    from bot.event import load_event

    event = load_event(ROOT / "examples" / "symposium-2015" / "event.yaml", check_colormap=False)
    choices = breakout_choices(event, 2015)
    assert choices == breakout_choices(event, 2015)
    assert choices != breakout_choices(event, 2016)
    participants = [p for p in event.people.values() if p.team]
    assert 0.85 * 2 * len(participants) < len(choices) < 2 * len(participants)  # a few never choose
    covered: dict[str, set[str]] = {}
    groups: Counter[int] = Counter()  # how many of a team went to the same breakout in a round
    for (team, _round, _session), n in Counter(
        (event.people[c.person].team, c.round, c.session) for c in choices
    ).items():
        covered.setdefault(str(team), set())
        groups[n] += 1
    for c in choices:
        covered[str(event.people[c.person].team)].add(event.sessions[c.session].title)
    coverage = Counter(len(titles) for titles in covered.values())
    assert coverage[4] > len(covered) / 2, coverage  # most teams cover four breakouts
    assert sum(n for k, n in coverage.items() if k < 4) >= 3, coverage  # some leave some uncovered
    assert groups[2] > groups[1] > 0, groups  # pairs, mostly; some go alone
    assert {c.session for c in choices} == {s.id for s in event.sessions.values() if s.kind == "breakout"}
    assert sum(1 for c in choices if c.first) >= 5  # some change their mind before the round
    assert all(c.at < event.session_start(event.sessions[c.session]) for c in choices)


def test_simulated_answers_suit_their_question_and_repeat_for_a_seed() -> None:
    from bot.devkit.synthetic import chance, headline_text, open_answer

    questions = [
        "What are you most looking forward to at the symposium?",
        "What would help classified employees become full partners in your district's collaboration?",
        "What is the first step your team will take together when you get home?",
        "How did the symposium go for you? Anything else you would like the organizers to know?",
    ]
    drawn = {q: {open_answer(q, chance(7, q, i)) for i in range(40)} for q in questions}
    assert all(len(answers) >= 25 for answers in drawn.values())
    for a in questions:
        for b in questions:
            assert a == b or not drawn[a] & drawn[b]
    assert drawn == {q: {open_answer(q, chance(7, q, i)) for i in range(40)} for q in questions}
    headlines = [headline_text(chance(7, "headline", i)) for i in range(47)]
    assert len(set(headlines)) >= 40
    words = Counter(w for h in headlines for w in set(h.lower().split()) if len(w) > 3)
    assert words.most_common(1)[0][1] < 47 / 3, words.most_common(5)  # no word fills the cloud


@pytest.mark.slow
def test_a_rehearsal_with_the_same_seed_plays_the_same(rehearsed: tuple[Path, str], tmp_path: Path) -> None:
    out, _stdout = rehearsed
    again = tmp_path / "again"
    rehearse(rich_event(tmp_path / "event"), again)
    played = [
        "SELECT person_id, round_key, session_id FROM breakoutchoice ORDER BY 1, 2",
        "SELECT team_id, text FROM headline ORDER BY 1",
        "SELECT poll_id, text FROM response WHERE text IS NOT NULL ORDER BY 1, 2",
        "SELECT qa_id, text, anonymous FROM question ORDER BY 1, 2",
    ]
    for query in played:
        assert rows(again, query) == rows(out, query), query
    other = tmp_path / "other"
    rehearse(rich_event(tmp_path / "event"), other, seed=7)
    assert rows(other, played[0]) != rows(out, played[0])


@pytest.mark.slow
def test_the_rehearsal_says_where_in_the_event_it_is_and_lists_every_finding(tmp_path: Path) -> None:
    """The progress line follows the work with the event's time; past fifteen findings the
    command says how many more there are and where."""
    from bot.devkit import rehearse_event

    seen: list[tuple[float, str]] = []
    out = tmp_path / "progress"
    rehearse_event(
        QUICKSTART / "event.yaml",
        out,
        database=f"sqlite:///{out / 'r.db'}",
        progress=lambda f, s: seen.append((f, s)),
    )
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(s.startswith("Fri, Apr 17 9:01 AM · launching poll warmup") for _, s in seen), seen[:20]
    assert any(s.startswith("Sat, Apr 18 ") and "summary: Closing session" in s for _, s in seen)
    assert [s for _, s in seen[-2:]] == ["writing the timeline, summaries, report and word clouds", "done"]
    # The event's hours, not the week before it, take most of the bar.
    assert max(f for f, s in seen if s.startswith(("Fri, Apr 10", "Sat, Apr 11", "Sun, Apr 12"))) < 0.6

    event = (QUICKSTART / "event.yaml").read_text()
    forgotten = "".join(
        f"  - {{id: never-{n}, question: Forgotten {n}?, kind: open_text}}\n" for n in range(17)
    )
    event = event.replace("polls:\n", "polls:\n" + forgotten, 1)
    folder = tmp_path / "event"
    folder.mkdir()
    (folder / "event.yaml").write_text(event)
    (folder / "roster.csv").write_text((QUICKSTART / "roster.csv").read_text())
    stdout = rehearse(folder / "event.yaml", tmp_path / "many", participants=8)
    assert stdout.count("  • poll never launched: never-") == 15
    assert f"  …and 2 more findings in {tmp_path / 'many' / 'findings.md'}" in " ".join(stdout.split("\n"))
    assert len(json.loads((tmp_path / "many" / "findings.json").read_text())) == 17


# ------------------------------------------------------------------ teams the rehearsal finds

TEAMS = ["alder", "birch", "cedar", "dogwood", "elm", "fir"]
ROLES = ["superintendent", "board_member", "teachers_union_president", "classified_union_president"]
TEAM_POLL = """\
  - id: team-stage
    question: Where is your team in its partnership today?
    kind: single_choice
    session: team-time
    scope: team
    options:
      - {label: Starting, focus_questions: [What has kept your partners apart so far?]}
      - {label: Building, focus_questions: [Which project has gone best together?]}
      - {label: Established, focus_questions: [How does your partnership reach the schools?]}
"""


def teams_event(folder: Path) -> Path:
    """The quickstart event with six teams of four and a team of one, a team poll with focus
    questions in its team time, and a round of breakouts whose goal is a teammate in every
    breakout and two different breakouts per team: out of reach for the team of one."""
    event = (QUICKSTART / "event.yaml").read_text()
    teams = "".join(f"  - {{id: {t}, name: {t.title()} School District}}\n" for t in TEAMS)
    teams += "  - {id: solo, name: Solo Charter School}\n"
    start, end = event.index("teams:\n") + len("teams:\n"), event.index("\nroster:")
    event = event[:start] + teams + event[end:]
    event = event.replace("sessions:\n", "sessions:\n" + BREAKOUTS, 1)
    event = event.replace("polls:\n", "polls:\n" + TEAM_POLL, 1)
    event += "\nbreakouts: {pairs: true, team_covers: 2}\n"
    roster = ["id,name,email,slack_id,team,role"] + (QUICKSTART / "roster.csv").read_text().splitlines()[1:3]
    roster += [
        f"{t}-{n},{t.title()} Member {n},{t}{n}@{t}.example.org,,{t},{role}"
        for t in TEAMS
        for n, role in enumerate(ROLES, 1)
    ]
    roster.append("solo-1,Sol Alone,sol@solo.example.org,,solo,superintendent")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "event.yaml").write_text(event)
    (folder / "roster.csv").write_text("\n".join(roster) + "\n")
    return folder / "event.yaml"


@pytest.fixture(scope="module")
def adversary(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    """The teams event rehearsed with two teams out of Slack's reach: one team's accounts are
    deactivated just after it answers the team poll, before its focus questions go out; the
    first team that waits for the facilitator's nudge loses its accounts as team time starts,
    so the nudge cannot reach it."""
    from bot.devkit.rehearsal import Rehearsal
    from bot.devkit.workspace import Workspace
    from bot.event import load_event

    class Adversary(Rehearsal):
        undelivered: str | None = None  # the team whose focus questions cannot be delivered
        unreached: str | None = None  # the team its nudge cannot reach

        def _team_vote(
            self, ws: Workspace, person: str, poll_id: str, team_id: str, choice: int, **how: Any
        ) -> Callable[[], None]:
            act = super()._team_vote(ws, person, poll_id, team_id, choice, **how)

            def deactivate() -> None:
                for member in (p for p in self.event.people.values() if team_id in p.teams):
                    ws.sandbox.deactivate_user(ws.user(member.id))

            if how.get("wait_for") == "nudge" and self.unreached is None:
                self.unreached = team_id
                self.at(
                    self.event.session_start(self.event.sessions["team-time"]), "deactivating", deactivate
                )
            elif not how.get("wait_for") and self.undelivered is None and team_id != "solo":
                self.undelivered = team_id
                return lambda: (act(), deactivate())[0]
            return act

    base = tmp_path_factory.mktemp("teams")
    out = base / "rehearsal"
    rehearsal = Adversary(
        load_event(teams_event(base / "event")), out, database=f"sqlite:///{out / 'rehearsal.db'}"
    )
    return rehearsal, rehearsal.run()


@pytest.mark.slow
def test_a_team_its_focus_questions_or_its_nudge_cannot_reach_is_a_finding_naming_it(
    adversary: tuple[Any, Any],
) -> None:
    rehearsal, result = adversary
    undelivered, unreached = rehearsal.undelivered, rehearsal.unreached
    assert undelivered and unreached and undelivered != unreached
    event, out = rehearsal.event, result.out
    answers = team_answers(out, "team-stage")
    assert set(answers) == set(event.teams) - {unreached}  # the others all answered
    label = ["Starting", "Building", "Established"][answers[undelivered][1]]
    deactivated = "not delivered: that person's Slack account is deactivated"
    kinds = {"team never answered", "team without its focus questions"}
    assert [(f.kind, f.detail) for f in result.findings if f.kind in kinds] == [
        (
            "team never answered",
            f"{event.teams[unreached].name} never answered team-stage before it closed at 2:28 PM: "
            f"its nudge did not reach any of them ({deactivated})",
        ),
        (
            "team without its focus questions",
            f"{event.teams[undelivered].name} answered team-stage with “{label}”, but none of its "
            f"4 members got the focus questions for it: {deactivated}",
        ),
    ]


@pytest.mark.slow
def test_a_message_slack_refused_is_a_finding_saying_why_in_plain_words(adversary: tuple[Any, Any]) -> None:
    _, result = adversary
    refused = [f.detail for f in result.findings if f.kind == "not delivered"]
    assert refused, "the deactivated teams' messages are not delivered"
    assert all(d.endswith(": that person's Slack account is deactivated") for d in refused), refused
    assert not any("user_disabled" in f.detail for f in result.findings)
    # Each names its recipient as the organizer knows them, never by a Slack id.
    assert all(re.search(r"→ DM to [A-Z][a-z]", d) for d in refused), refused


@pytest.mark.slow
def test_a_team_that_cannot_reach_the_breakout_goal_is_a_finding_and_the_rest_are_counted(
    adversary: tuple[Any, Any],
) -> None:
    """A goal no choice could meet is worth fixing before the day; gaps simulated people left
    are not (people leave gaps; the report's coverage section shows them), so they are counted
    in what the simulated people did, not listed as findings."""
    _rehearsal, result = adversary
    out = result.out

    def details(kind: str) -> list[str]:
        return [f.detail for f in result.findings if f.kind == kind]

    assert details("breakout goal out of reach") == [
        "Solo Charter School: with 1 member, it can cover at most 1 different breakout over 1 round "
        "whatever its members choose; the goal is 2"
    ]
    # A team of four meets the goal when no one is alone or without a breakout and both
    # breakouts are covered.
    chose = dict(rows(out, "SELECT person_id, session_id FROM breakoutchoice"))
    met = 0
    for team in TEAMS:
        picked = [chose.get(f"{team}-{n}") for n in range(1, 5)]
        went = Counter(s for s in picked if s)
        met += None not in picked and 1 not in went.values() and len(went) >= 2
    assert 0 < met < len(TEAMS)  # the seed leaves some teams short
    assert not [f for f in result.findings if "breakout" in f.kind and "out of reach" not in f.kind]
    did = (out / "findings.md").read_text()
    assert f"{met} of {len(TEAMS) + 1} " in did.split("Breakout coverage. Goal: ")[1].split("\n")[0]
