"""The post-event report (report.md and a self-contained report.html) and the response export.

The report has the shape of the 2015 symposium's summary report: the event,
its sessions, participation, every poll's results with charts and role
breakdowns, the word clouds, the headlines, and the evaluation figures. It is
built from `bot.insights.results`, so anonymous results appear only in groups of five
or more; the export names people only for polls that are not anonymous.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.closing import Closing
from bot.core import UserError, formatting, utc
from bot.event import DEFAULT_RATING_LABELS, Event, PollKind
from bot.headlines import HeadlineService
from bot.insights import coverage
from bot.insights.charts import participation_chart, results_chart, share_axis
from bot.insights.results import PollResult, answered, participation, poll_result
from bot.people import Directory
from bot.polls import (
    FEWER,
    NO_ANSWERS_NOTE,
    Group,
    PollService,
    SurveyResult,
    choice_labels,
    ranking_text,
    standings,
    survey_result,
    top_two,
)
from bot.qa import QaService, report_rows
from bot.slack import markdown, plain, spreadsheet
from storage.db import reading
from storage.models import Poll, Response

WITHHELD_TEXT = "Anonymous, with fewer than 5 answers: its results are not shown."

Progress = Callable[[str], None]


def _base64(data: bytes) -> str:
    """An image's bytes as the text of a data URI."""
    return base64.b64encode(data).decode()


# Built once: templates are read from the package (so an installed wheel carries
# them), and every value is made plain (no control characters) and escaped for HTML.
TEMPLATES = Environment(
    loader=PackageLoader("bot.insights"),
    autoescape=True,
    finalize=lambda value: plain(value) if isinstance(value, str) else value,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
TEMPLATES.filters["base64"] = _base64


@dataclass
class Block:
    """One piece of the report: a heading, a sub-heading, a paragraph, a table, an image, or a list.

    Every text is plain, as typed or made: the Markdown and HTML writers escape it.
    """

    kind: str
    text: str = ""
    level: int = 2
    rows: list[list[str]] | None = None
    image: bytes | None = None
    name: str = ""
    items: list[str] | None = None


def _breakdown_rows(labels: list[str], groups: list[Group], rating: str | None) -> list[list[str]]:
    """One row per group; for a rating poll (`rating` names its top two answers) the share of those."""
    header = ["Group", "n", *([f"% {rating}"] if rating else labels)]
    rows = [header]
    for g in groups:
        if g.hidden:
            rows.append([g.label, FEWER, *([""] if rating else ["" for _ in labels])])
        elif rating:
            rows.append([g.label, str(g.respondents), f"{g.agree()}%"])
        else:
            rows.append([g.label, str(g.respondents), *[f"{g.percent(i)}%" for i in range(len(labels))]])
    return rows


def _ranking_blocks(r: PollResult) -> list[Block]:
    """A ranking poll's standings (best first), its chart, and each group's mean rank per option."""
    ranking = r.tally.ranking
    if ranking is None or not ranking.respondents:
        return [Block("paragraph", "Nobody ranked the options.")]
    rows = [["Place", "Option", "Mean rank", "Points", "% of the most possible"]]
    rows += [
        [str(n), s.label, f"{s.mean_rank:.1f}", str(s.points), f"{ranking.share(s)}%"]
        for n, s in enumerate(ranking.standings, 1)
    ]
    blocks = [
        Block("table", rows=rows),
        Block(
            "paragraph",
            f"Mean rank: 1 is first. Points (Borda): each ranking gives {ranking.size - 1} to its first "
            "option, one fewer to each next, and none to its last.",
        ),
    ]
    if (chart := results_chart(r)) is not None:
        blocks.append(Block("image", text=r.poll.question, image=chart, name=f"poll-{r.poll.id}.png"))
    order = [s.index for s in ranking.standings]
    for title, groups in (("By side", r.by_side), ("By role", r.by_role), ("By team", r.by_team or [])):
        if not groups:
            continue
        table = [["Group", "n", *[f"{r.labels[i]} (mean rank)" for i in order]]]
        for g in groups:
            if g.counts is None:
                table.append([g.label, FEWER, *["" for _ in order]])
                continue
            by_option = {s.index: s for s in standings(r.labels, g.counts, g.respondents or 0).standings}
            table.append([g.label, str(g.respondents), *[f"{by_option[i].mean_rank:.1f}" for i in order]])
        blocks += [Block("subheading", title), Block("table", rows=table)]
    if r.poll.anonymous:
        blocks.append(Block("paragraph", f"Groups of fewer than 5 people are not shown ({FEWER})."))
    return blocks


class Report:
    """Builds the report's blocks and writes them as Markdown and HTML."""

    def __init__(
        self,
        *,
        event: Event,
        engine: Engine,
        directory: Directory,
        polls: PollService,
        headlines: HeadlineService,
        closing: Closing,
        qa: QaService | None = None,
    ) -> None:
        self.event = event
        self.engine = engine
        self.directory = directory
        self.polls = polls
        self.headlines = headlines
        self.closing = closing
        self.qa = qa

    def export_rows(self, progress: Progress = lambda _: None) -> list[dict[str, Any]]:
        """Every response, one row each (see `export_rows`)."""
        return export_rows(event=self.event, engine=self.engine, directory=self.directory, progress=progress)

    def blocks(self, progress: Progress = lambda _: None) -> list[Block]:
        event = self.event
        info = event.info
        days = formatting.days(info.days)
        out = [
            Block("heading", info.name, level=1),
            Block(
                "paragraph",
                f"{days}" + (f", {info.venue}" if info.venue else "") + ". "
                f"{event.count_teams()}, with {len(event.people)} people on the roster.",
            ),
        ]
        progress("sessions")
        out.append(Block("heading", "Sessions"))
        for day in info.days:
            rows = [["Time", "Session", "Kind", "Room"]]
            for s in [s for s in event.agenda() if s.day == day]:
                start, end = event.local(day, s.start), event.local(day, s.end)
                rows.append(
                    [formatting.time_range(start, end), s.title, s.kind.value.replace("_", " "), s.room or ""]
                )
            out += [Block("heading", formatting.day(day), level=3), Block("table", rows=rows)]
        out += breakout_coverage_blocks(event, self.engine)
        with reading(self.engine) as session:
            progress("participation")
            people = participation(session, self.polls)
            out.append(Block("heading", "Participation"))
            rows = [["Role", "Answered at least one named poll", "Asked"]]
            rows += [[label, str(done), str(total)] for label, done, total in people.by_role]
            out.append(Block("table", rows=rows))
            if (chart := participation_chart(people)) is not None:
                out.append(
                    Block("image", text="Participation by role", image=chart, name="participation.png")
                )
            polls = [
                p
                for p in session.exec(select(Poll).order_by(col(Poll.launched_at))).all()
                if p.status != "draft"
            ]
            results = []
            surveys = []
            for n, poll in enumerate(polls, 1):
                progress(f"poll {n} of {len(polls)}: {poll.id}")
                if poll.kind == PollKind.SURVEY:
                    surveys.append(survey_result(session, event, poll, self.polls.roles(session, poll)))
                else:
                    results.append(poll_result(session, self.polls, poll))
        out.append(Block("heading", "Polls"))
        if not results:
            out.append(Block("paragraph", "No polls were run."))
        for result in results:
            out += self._poll_blocks(result)
        out += self._qa_blocks()
        out += self._cloud_blocks(progress)
        out += self._headline_blocks()
        out += self._evaluation_blocks(results, surveys)
        return out

    def _poll_blocks(self, r: PollResult) -> list[Block]:
        p, t = r.poll, r.tally
        blocks = [
            Block("heading", p.question, level=3),
            Block("paragraph", answered(r) + (" (anonymous)" if p.anonymous else "") + "."),
        ]
        if p.kind == PollKind.OPEN_TEXT:
            shown = t.texts if (p.results == "live" or p.status == "closed") else []
            if shown:
                blocks.append(Block("list", items=[f"“{text}”" for text in shown[:40]]))
                if len(shown) > 40:
                    more = formatting.count(len(shown) - 40, "more answer", "more answers")
                    blocks.append(Block("paragraph", f"…and {more}."))
            return blocks
        if t.withheld:
            blocks.append(Block("paragraph", WITHHELD_TEXT))
            return blocks
        if p.kind == PollKind.RANKING:
            return blocks + _ranking_blocks(r)
        if not t.respondents:
            blocks.append(Block("paragraph", NO_ANSWERS_NOTE))
            return blocks
        rating = p.kind == PollKind.RATING
        rows = [["Answer", "Count", "%"]] + [
            [label, str(t.counts[i]), f"{t.percent(i)}%"] for i, label in enumerate(r.labels)
        ]
        blocks.append(Block("table", rows=rows))
        if rating:
            blocks.append(Block("paragraph", f"{t.agree_share()}% {top_two(p)} (n = {t.respondents})."))
        if (chart := results_chart(r)) is not None:
            alt = f"{p.question} — {share_axis(r)}"
            blocks.append(Block("image", text=alt, image=chart, name=f"poll-{p.id}.png"))
        if t.teams is not None:
            # A team poll: one answer per team, so its breakdown is each team's answer, not shares.
            rows = [["Team", "Answer"]] + [
                [g.label, "; ".join(r.labels[i] for i, n in enumerate(g.counts or []) if n)]
                for g in r.by_team or []
            ]
            return [*blocks, Block("subheading", "Each team's answer"), Block("table", rows=rows)]
        for title, groups in (("By side", r.by_side), ("By role", r.by_role), ("By team", r.by_team or [])):
            if groups:
                blocks.append(Block("subheading", title))
                blocks.append(
                    Block("table", rows=_breakdown_rows(r.labels, groups, top_two(p) if rating else None))
                )
        if p.anonymous:
            blocks.append(Block("paragraph", f"Groups of fewer than 5 people are not shown ({FEWER})."))
        return blocks

    def _qa_blocks(self) -> list[Block]:
        """Each session's questions with their upvotes and status; anonymous ones without a name."""
        sessions = [report_rows(board) for board in self.qa.boards()] if self.qa is not None else []
        if not sessions:
            return []
        blocks = [Block("heading", "Questions")]
        for title, summary, rows in sessions:
            blocks += [Block("heading", title, level=3), Block("paragraph", summary)]
            if len(rows) > 1:
                blocks.append(Block("table", rows=rows))
        return blocks

    def _cloud_blocks(self, progress: Progress) -> list[Block]:
        closing = self.closing
        names = list(
            dict.fromkeys(
                self.event.closing.wordclouds
                + [p.id for p in self.event.polls.values() if p.pre_event and p.kind == PollKind.OPEN_TEXT]
            )
        )
        blocks: list[Block] = []
        for name in names:
            progress(f"word cloud: {name}")
            try:
                assert closing is not None
                rendered = closing.render(name)
            except UserError as exc:
                blocks.append(Block("paragraph", str(exc)))
                continue
            blocks.append(
                Block("image", text=rendered.alt, image=rendered.cloud.png, name=f"wordcloud-{name}.png")
            )
        return ([Block("heading", "Word clouds")] + blocks) if blocks else []

    def _headline_blocks(self) -> list[Block]:
        if self.event.headlines is None:
            return []
        wall = self.headlines.wall()
        blocks = [Block("heading", "Vision headlines")]
        if not wall:
            return [*blocks, Block("paragraph", "No headlines were submitted.")]
        for team_id, headlines in wall.items():
            name = self.event.teams[team_id].name if team_id in self.event.teams else team_id
            blocks.append(Block("heading", name, level=3))
            blocks.append(
                Block(
                    "list",
                    items=[
                        f"“{h.text}”" + (f" ({h.explanation})" if h.explanation else "") for h in headlines
                    ],
                )
            )
        return blocks

    def _evaluation_blocks(self, results: list[PollResult], surveys: list[SurveyResult]) -> list[Block]:
        closing_ids = {s.id for s in self.event.sessions.values() if s.kind == "closing"}
        ratings = [r for r in results if r.poll.kind == PollKind.RATING and r.poll.session_id in closing_ids]
        if not ratings and not surveys:
            return []
        blocks = [Block("heading", "Evaluation")]
        if ratings:
            names = {top_two(r.poll) for r in ratings}
            name = names.pop() if len(names) == 1 else "rated 4 or 5"
            share = name[:1].upper() + name[1:]  # "OK or great" keeps its capitals
            rows = [["Statement", share, "n"]]
            rows += [
                [
                    r.poll.question,
                    ""
                    if r.tally.withheld
                    else (f"{r.tally.agree_share()}%" if r.tally.respondents else NO_ANSWERS_NOTE),
                    str(r.tally.respondents),
                ]
                for r in ratings
            ]
            blocks.append(Block("table", rows=rows))
        for survey in surveys:
            blocks.append(Block("heading", survey.poll.question, level=3))
            blocks.append(
                Block(
                    "paragraph",
                    f"{formatting.count(survey.respondents, 'person', 'people')} answered"
                    + (" (anonymous)." if survey.poll.anonymous else "."),
                )
            )
            if survey.withheld or not survey.respondents:
                blocks.append(Block("paragraph", WITHHELD_TEXT if survey.withheld else NO_ANSWERS_NOTE))
                continue
            rows = [["Statement", "Agree or strongly agree", "n", "Management", "Labor"]]
            for st in survey.statements:
                sides = {g.label: (FEWER if g.hidden else f"{g.agree()}%") for g in st.by_side}
                rows.append(
                    [st.text, f"{st.agree}%", str(st.n), sides.get("Management", ""), sides.get("Labor", "")]
                )
            blocks.append(Block("table", rows=rows))
            if survey.interests:
                blocks.append(Block("subheading", "Interest in next steps"))
                ranked = sorted(survey.interests, key=lambda pair: -pair[1])
                blocks.append(
                    Block("table", rows=[["Next step", "Interested"]] + [[k, str(v)] for k, v in ranked])
                )
            if survey.comments:
                blocks.append(Block("subheading", "Comments"))
                blocks.append(Block("list", items=[f"“{c}”" for c in survey.comments[:60]]))
        return blocks

    # ------------------------------------------------------------ writing

    def write(self, out_dir: Path, progress: Progress = lambda _: None) -> tuple[Path, Path]:
        """Write report.md (with images beside it) and a self-contained report.html."""
        blocks = self.blocks(progress)
        out_dir.mkdir(parents=True, exist_ok=True)
        images = out_dir / "images"
        progress("writing")
        md = []
        for b in blocks:
            if b.kind == "heading":
                md.append(f"{'#' * b.level} {markdown(b.text)}\n")
            elif b.kind == "subheading":
                md.append(f"**{markdown(b.text)}**\n")
            elif b.kind == "paragraph":
                md.append(f"{markdown(b.text)}\n")
            elif b.kind == "list":
                md.append("\n".join(f"- {markdown(item)}" for item in b.items or []) + "\n")
            elif b.kind == "table" and b.rows:
                header, *rest = b.rows
                md.append(
                    "| "
                    + " | ".join(markdown(c) for c in header)
                    + " |\n|"
                    + "---|" * len(header)
                    + "\n"
                    + "\n".join("| " + " | ".join(markdown(c) for c in row) + " |" for row in rest)
                    + "\n"
                )
            elif b.kind == "image" and b.image:
                images.mkdir(exist_ok=True)
                (images / b.name).write_bytes(b.image)
                md.append(f"![{markdown(b.text)}](images/{b.name})\n")
        md_path, html_path = out_dir / "report.md", out_dir / "report.html"
        md_path.write_text("\n".join(md), encoding="utf-8")
        page = TEMPLATES.get_template("report.html").render(title=self.event.info.name, blocks=blocks)
        html_path.write_text(page, encoding="utf-8")
        return md_path, html_path


def export_rows(
    *, event: Event, engine: Engine, directory: Directory, progress: Progress = lambda _: None
) -> list[dict[str, Any]]:
    """Every response, one row each; who answered only for polls that are not anonymous."""
    rows: list[dict[str, Any]] = []
    with reading(engine) as session:
        polls = {p.id: p for p in session.exec(select(Poll)).all()}
        responses = session.exec(select(Response).order_by(col(Response.poll_id), col(Response.id))).all()
        for n, r in enumerate(responses, 1):
            if n % 500 == 0:
                progress(f"{n} of {len(responses)} responses")
            poll = polls[r.poll_id]
            labels = choice_labels(poll)
            if poll.kind == PollKind.SURVEY:
                answer = _survey_answer(poll, r.answers or {})
            elif r.text is not None:
                answer = r.text
            elif poll.kind == PollKind.RANKING:
                answer = ranking_text(labels, r.choices)
            else:
                answer = "; ".join(labels[i] for i in r.choices or [] if i < len(labels))
            # From the roster and the identities on record: an export never asks Slack.
            person = None if poll.anonymous or not r.user_id else directory.person(r.user_id, ask_slack=False)
            rows.append(
                {
                    "poll": poll.id,
                    "question": poll.question,
                    "kind": poll.kind,
                    "anonymous": poll.anonymous,
                    "person_id": person.id if person else "",
                    "name": person.name if person else "",
                    "slack_user_id": "" if poll.anonymous else (r.user_id or ""),
                    "team": (event.teams[person.team].name if person and person.team in event.teams else ""),
                    # Even a role can narrow an anonymous answer down to a few people: left out here.
                    "role": "" if poll.anonymous else (r.role or ""),
                    "answer": answer,
                    "answered_at": "" if poll.anonymous or not r.updated_at else _when(event, r.updated_at),
                }
            )
    # An anonymous poll's rows in the order of their answers, never in the order they came.
    rows.sort(key=lambda row: (row["poll"], row["answer"] if row["anonymous"] else ""))
    return rows


def _when(event: Event, at: datetime) -> str:
    """An instant as ISO 8601 in the event's time zone, with its offset: 2015-05-09T15:31:00-07:00."""
    return utc(at).astimezone(event.tz).isoformat()


def _survey_answer(poll: Poll, answers: dict[str, Any]) -> str:
    """A survey answer as it is stored (see `PollService.vote`): each statement's 0-4 scale
    index, shown as the point and label the form showed; the chosen interests; the comments."""
    texts = (poll.survey or {}).get("statements") or []
    parts = [
        f"{text}: {value + 1} {DEFAULT_RATING_LABELS[value + 1]}"
        for text, value in zip(texts, answers.get("statements") or [], strict=False)
        if isinstance(value, int) and 0 <= value <= 4
    ]
    chosen = [i for i in answers.get("interests") or [] if isinstance(i, int) and 0 <= i < len(poll.options)]
    if chosen:
        parts.append("Interested in: " + ", ".join(poll.options[i] for i in chosen))
    if answers.get("comments"):
        parts.append(f"Comments: {answers['comments']}")
    return " | ".join(parts)


def write_export(rows: list[dict[str, Any]], path: Path, fmt: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "json":
        path.write_text(json.dumps(rows, indent=2, ensure_ascii=False), encoding="utf-8")
        return
    buffer = io.StringIO()
    fields = [
        "poll",
        "question",
        "kind",
        "anonymous",
        "person_id",
        "name",
        "slack_user_id",
        "team",
        "role",
        "answer",
        "answered_at",
    ]
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    # Opened in a spreadsheet, a cell that starts like a formula would run as one.
    writer.writerows({k: spreadsheet(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def breakout_coverage_blocks(event: Event, engine: Engine) -> list[Block]:
    """The "Breakout coverage" section: the goal and how many teams met it, a row per team,
    and a chart of how many teams covered how many breakouts; nothing for an event with no
    breakouts."""
    teams = coverage.every_team(event, engine)
    if not teams:
        return []
    blocks = [
        Block("heading", "Breakout coverage"),
        Block("paragraph", coverage.summary(event, teams)),
        Block("table", rows=coverage.rows(teams)),
    ]
    if (chart := coverage.chart(teams)) is not None:
        alt = "Teams by the number of different breakouts they covered"
        blocks.append(Block("image", text=alt, image=chart, name="breakout-coverage.png"))
    return blocks
