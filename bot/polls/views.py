"""Block Kit for polls: the poll message, results, and the modals people fill in.

Rendering lives in the core because the outbox dispatcher re-renders a poll
message at send time from the database, so a refresh always shows the latest
counts.
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from bot.core import Clock, formatting, utc
from bot.delivery import Delivery, Kind, Renderers, outbox
from bot.delivery.dispatcher import PERMANENT
from bot.event import MAX_OPTION_CHARS, Event, PollKind, ResultsMode
from bot.polls.ranking import Ranking, standing_figures
from bot.polls.service import launch_failure, unlaunch
from bot.polls.tally import (
    NO_ANSWERS_NOTE,
    WITHHELD_NOTE,
    SurveyResult,
    Tally,
    choice_labels,
    nothing_to_show,
    tally,
    top_two,
)
from bot.polls.team import team_count
from bot.slack import mrkdwn, one_line, quote, truncate
from bot.slack.blocks import actions, button, context, header, input_block, modal, option, section
from storage.models import Outbox, Poll

BAR_WIDTH = 20
SECTION_LIMIT = 3000
MAX_TEXT_ANSWERS_SHOWN = 15
WITHHELD = f"_{WITHHELD_NOTE}_"
NO_ANSWERS = f"_{NO_ANSWERS_NOTE}_"

KIND_LABELS = {
    PollKind.SINGLE: "Single choice",
    PollKind.MULTIPLE: "Multiple choice",
    PollKind.RATING: "Rating 1-5",
    PollKind.OPEN_TEXT: "Open text",
    PollKind.SURVEY: "Survey",
    PollKind.RANKING: "Ranking",
}


def bar(share: int) -> str:
    filled = round(BAR_WIDTH * share / 100)
    return "`" + "█" * filled + "░" * (BAR_WIDTH - filled) + "`"


def _responses(n: int) -> str:
    return formatting.count(n, "response", "responses")


def result_lines(poll: Poll, tally: Tally) -> list[str]:
    """Human-readable result lines (mrkdwn), one per option or answer."""
    note = nothing_to_show(tally)
    if note is not None:
        return [f"_{note}_"]
    if poll.kind == PollKind.SURVEY:
        return survey_lines(tally.survey)
    if poll.kind == PollKind.OPEN_TEXT:
        shown = tally.texts[-MAX_TEXT_ANSWERS_SHOWN:]
        lines = [quote(truncate(t, 280)) for t in shown]
        if len(tally.texts) > len(shown):
            lines.append(f"_…and {len(tally.texts) - len(shown)} more_")
        return lines
    if poll.kind == PollKind.RANKING:
        return ranking_lines(tally.ranking)
    lines = []
    for i, label in enumerate(choice_labels(poll)):
        lines.append(f"*{mrkdwn(label)}*\n{bar(tally.percent(i))} {tally.counts[i]} · {tally.percent(i)}%")
    return lines


def ranking_lines(result: Ranking | None) -> list[str]:
    """One line per option, best first: its place, a bar of its points, its mean rank and points."""
    if result is None or not result.respondents:
        return [NO_ANSWERS]
    return [
        f"*{n}. {mrkdwn(s.label)}*\n{bar(result.share(s))} {standing_figures(s)}"
        for n, s in enumerate(result.standings, 1)
    ]


def survey_lines(survey: SurveyResult | None) -> list[str]:
    """One line per statement, one per chosen interest, and how many comments there are."""
    if survey is None:
        return []
    if survey.withheld:
        return [WITHHELD]
    if not survey.respondents:
        return [NO_ANSWERS]  # not "0% agree (n = 0)"
    lines = [f"*{mrkdwn(s.text)}*: {s.agree}% agree or strongly agree (n = {s.n})" for s in survey.statements]
    lines += [f"{mrkdwn(label)}: {count}" for label, count in survey.interests if count]
    if survey.comments:
        lines.append(formatting.count(len(survey.comments), "comment", "comments"))
    return lines


def poll_message(poll: Poll, tally: Tally, *, updated: str | None = None) -> dict[str, Any]:
    """The poll's message in the channel: question, buttons while open, results as the poll allows."""
    closed = poll.status == "closed"
    show = (closed or poll.results == ResultsMode.LIVE) and not tally.withheld
    blocks: list[dict[str, Any]] = []
    title = ("Closed: " if closed else "Poll: ") + one_line(poll.question)
    if len(title) <= 150:
        blocks.append(header(title))
    else:
        blocks.append(section(f"*{mrkdwn(truncate(title, SECTION_LIMIT - 2))}*"))
    facts = [KIND_LABELS.get(PollKind(poll.kind), poll.kind), f"`{poll.id}`"]
    if poll.anonymous:
        facts.append("anonymous")
    if poll.kind == PollKind.MULTIPLE and not closed:
        facts.append("choose all that apply")
    if poll.kind == PollKind.RANKING and not closed:
        facts.append("put the options in order")
    if poll.results == ResultsMode.HIDDEN and not closed:
        facts.append("results shown when the poll closes")
    if tally.teams is not None:
        facts.append("one answer per team: any member answers for the team")
    blocks.append(context(" · ".join(facts)))

    if poll.kind == PollKind.SURVEY:
        blocks.append(section("_Your answers go to the organizers; results are in their report._"))
        if not closed:
            blocks.append(actions(_answer_buttons(poll)))
    elif poll.kind == PollKind.SINGLE and not closed:
        # The options stay (they carry the buttons); their bars only once there is something to count.
        note = nothing_to_show(tally, shown=show)
        for i, option in enumerate(poll.options):
            text = f"*{mrkdwn(option)}*" + (
                f"\n{bar(tally.percent(i))} {tally.counts[i]} · {tally.percent(i)}%"
                if show and not note
                else ""
            )
            blocks.append(section(text, accessory=button("Vote", f"poll_vote_{i}", _value(poll.id, [i]))))
        if note:
            blocks.append(context(f"_{note}_"))
    else:
        if show:
            for line in result_lines(poll, tally):
                blocks.append(section(truncate(line, SECTION_LIMIT)))
            if poll.kind == PollKind.RATING and tally.average is not None:
                blocks.append(
                    context(f"Average {tally.average:.1f} of 5 · {tally.agree_share()}% {top_two(poll)}")
                )
        elif tally.withheld:
            blocks.append(section(WITHHELD))
        elif tally.respondents or not closed:
            blocks.append(section("_Results will be shown when the poll closes._"))
        if not closed:
            blocks.append(actions(_answer_buttons(poll)))

    footer = tally.teams or _responses(tally.respondents)
    if updated:
        footer += f" · updated {updated}"
    if closed:
        footer += " · this poll is closed"
    blocks.append(context(footer))
    return {"text": f"{mrkdwn(title)} ({_responses(tally.respondents)})", "blocks": blocks}


def _answer_buttons(poll: Poll) -> list[dict[str, Any]]:
    if poll.kind in (PollKind.RATING, PollKind.SINGLE):
        return [
            button(label[:MAX_OPTION_CHARS], f"poll_vote_{i}", _value(poll.id, [i]))
            for i, label in enumerate(choice_labels(poll))
        ]
    if poll.kind == PollKind.MULTIPLE:
        return [button("Choose options", "poll_choose", poll.id, style="primary")]
    if poll.kind == PollKind.SURVEY:
        return [button("Take the survey", "poll_answer", poll.id, style="primary")]
    if poll.kind == PollKind.RANKING:
        return [button("Rank the options", "poll_rank", poll.id, style="primary")]
    return [button("Answer", "poll_answer", poll.id, style="primary")]


def question_card(poll: Poll, *, intro: str) -> dict[str, Any]:
    """A poll's question with its answer buttons and no results: the pre-event DM."""
    facts = [KIND_LABELS.get(PollKind(poll.kind), poll.kind)]
    if poll.anonymous:
        facts.append("anonymous")
    blocks = [
        section(intro),
        section(f"*{mrkdwn(truncate(poll.question, SECTION_LIMIT - 2))}*"),
        context(" · ".join(facts)),
        actions(_answer_buttons(poll)),
    ]
    return {"text": f"{intro} {mrkdwn(poll.question)}", "blocks": blocks}


def _value(poll_id: str, choices: list[int]) -> str:
    return json.dumps({"poll": poll_id, "choices": choices}, separators=(",", ":"))


def results_blocks(poll: Poll, tally: Tally) -> dict[str, Any]:
    """Results for a facilitator (ephemeral), whatever the poll's visibility."""
    status = {"draft": "not launched", "open": "open", "closed": "closed"}[poll.status]
    blocks = [
        section(f"*Results for `{poll.id}`* ({status}): {mrkdwn(poll.question)}"),
        *[section(truncate(line, SECTION_LIMIT)) for line in result_lines(poll, tally)],
    ]
    footer = _responses(tally.respondents)
    if tally.invited is not None:
        footer = f"{tally.answered} of {tally.invited} have answered"
    if tally.teams is not None:
        footer = f"{tally.teams} · `/poll missing {poll.id}` lists the others"
    if poll.kind == PollKind.RATING and tally.average is not None:
        footer += f" · average {tally.average:.1f} · {tally.agree_share()}% {top_two(poll)}"
    blocks.append(context(footer))
    return {"text": f"Results for {poll.id}: {footer}", "blocks": blocks[:50]}


def poll_list_blocks(rows: list[tuple[Poll, int]], *, event_title: str) -> dict[str, Any]:
    """The /poll list answer."""
    if not rows:
        return {"text": "No polls yet. Add polls to the event file, or build one with `/poll new`."}
    lines = [f"*Polls for {mrkdwn(event_title)}*"]
    icon = {"draft": "▫️", "open": "🟢", "closed": "⏹️"}
    for poll, count in rows:
        where = f" in <#{poll.channel_id}>" if poll.channel_id else ""
        session = f" · session `{poll.session_id}`" if poll.session_id else ""
        lines.append(
            f"{icon.get(poll.status, '')} `{poll.id}` {mrkdwn(truncate(poll.question, 80))}"
            f" _({poll.status}{where}{session}, {_responses(count)})_"
        )
    text = "\n".join(lines)
    chunks = [text[i : i + SECTION_LIMIT] for i in range(0, len(text), SECTION_LIMIT)][:49]
    return {"text": lines[0], "blocks": [section(c) for c in chunks]}


# ------------------------------------------------------------------ modals


def _question(poll: Poll) -> dict[str, Any]:
    return section(f"*{mrkdwn(truncate(poll.question, SECTION_LIMIT - 2))}*")


def answer_modal(poll: Poll, *, metadata: dict[str, Any], current: str | None = None) -> dict[str, Any]:
    """Open-text answer modal."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "text",
        "multiline": True,
        "max_length": 1000,
    }
    if current:
        element["initial_value"] = current
    anonymous = [context("Anonymous: your name is not stored with your answer.")] if poll.anonymous else []
    return modal(
        "poll_answer",
        "Your answer",
        "Send",
        metadata,
        [_question(poll), input_block("answer", "Answer", element), *anonymous],
    )


def choose_modal(poll: Poll, *, metadata: dict[str, Any], current: list[int]) -> dict[str, Any]:
    """Multiple-choice modal: checkboxes pre-set to the person's current answer."""
    options = [option(str(i), truncate(o, MAX_OPTION_CHARS)) for i, o in enumerate(poll.options)]
    element: dict[str, Any] = {"type": "checkboxes", "action_id": "choices", "options": options}
    chosen = [options[i] for i in current if 0 <= i < len(options)]
    if chosen:
        element["initial_options"] = chosen
    return modal(
        "poll_choose",
        "Choose options",
        "Save",
        metadata,
        [_question(poll), input_block("choices", "Choose all that apply", element)],
    )


AGREEMENT = ["1 Strongly disagree", "2 Disagree", "3 Neutral", "4 Agree", "5 Strongly agree"]


def survey_modal(
    poll: Poll, *, metadata: dict[str, Any], current: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The survey form: a 1-5 scale per statement, the interests, and comments."""
    survey = poll.survey or {}
    current = current or {}
    scale = [option(str(i), label) for i, label in enumerate(AGREEMENT)]
    blocks: list[dict[str, Any]] = [section(f"*{mrkdwn(truncate(poll.question, SECTION_LIMIT - 2))}*")]
    for n, statement in enumerate(survey.get("statements", [])):
        element: dict[str, Any] = {"type": "radio_buttons", "action_id": "value", "options": scale}
        previous = (current.get("statements") or [None] * (n + 1))[n : n + 1]
        if previous and previous[0] is not None:
            element["initial_option"] = scale[previous[0]]
        blocks.append(input_block(f"s{n}", truncate(statement, 2000), element))
    if poll.options:
        options = [option(str(i), truncate(o, MAX_OPTION_CHARS)) for i, o in enumerate(poll.options)]
        element = {"type": "checkboxes", "action_id": "value", "options": options}
        chosen = [options[i] for i in current.get("interests") or [] if 0 <= i < len(options)]
        if chosen:
            element["initial_options"] = chosen
        blocks.append(input_block("interests", "Which of these would interest you?", element, optional=True))
    if survey.get("comments"):
        element = {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 2000}
        if current.get("comments"):
            element["initial_value"] = current["comments"]
        blocks.append(input_block("comments", truncate(survey["comments"], 2000), element, optional=True))
    if poll.anonymous:
        blocks.append(context("Anonymous: your name is not stored with your answers."))
    return modal("poll_survey", "Evaluation", "Send", metadata, blocks)


NEW_POLL_KINDS = [(k.value, KIND_LABELS[k]) for k in PollKind if k != PollKind.SURVEY]


def new_poll_modal(*, metadata: dict[str, Any]) -> dict[str, Any]:
    """The /poll new builder."""
    live, hidden = option("live", "Show live"), option("hidden", "Hide until the poll closes")
    kinds = [option(v, t) for v, t in NEW_POLL_KINDS]
    options = input_block(
        "options",
        "Options, one per line",
        {"type": "plain_text_input", "action_id": "value", "multiline": True},
        optional=True,
    )
    options["hint"] = {
        "type": "plain_text",
        "text": "2 to 10 options for choice and ranking polls; leave empty otherwise.",
    }
    return modal(
        "poll_new",
        "New poll",
        "Launch",
        metadata,
        [
            input_block(
                "question", "Question", {"type": "plain_text_input", "action_id": "value", "max_length": 300}
            ),
            input_block(
                "kind",
                "Kind",
                {"type": "static_select", "action_id": "value", "initial_option": kinds[0], "options": kinds},
            ),
            options,
            input_block(
                "results",
                "Results",
                {
                    "type": "radio_buttons",
                    "action_id": "value",
                    "initial_option": live,
                    "options": [live, hidden],
                },
            ),
            input_block(
                "anonymous",
                "Privacy",
                {
                    "type": "checkboxes",
                    "action_id": "value",
                    "options": [option("yes", "Anonymous: nobody can see who answered what")],
                },
                optional=True,
            ),
        ],
    )


# ------------------------------------------------------------------ primitives


def register(renderers: Renderers, *, event: Event, clock: Clock) -> None:
    """Register the renderers of the poll kinds: the message posted, then refreshed in place, both
    rendered at send time from the database so a refresh shows the latest counts."""

    def stamp() -> str:
        return formatting.clock_seconds(clock.now().astimezone(event.tz))

    def counted(session: Session, poll: Poll) -> Tally:
        result = tally(session, poll)
        result.teams = team_count(event, poll, result.respondents)
        return result

    def poll_post(session: Session, row: Outbox) -> Delivery:
        poll = session.get(Poll, row.payload["poll_id"])
        assert poll is not None
        message = poll_message(poll, counted(session, poll), updated=stamp())
        row_id, channel, reply_to = row.id, poll.channel_id, row.payload.get("reply_to") or {}
        issued = row.created_at or clock.now()

        def settled(session: Session) -> None:
            # Who launched it is kept only until the post is settled.
            current = session.get(Outbox, row_id)
            if current is not None and "reply_to" in current.payload:
                current.payload = {k: v for k, v in current.payload.items() if k != "reply_to"}

        def remember(session: Session, result: dict[str, Any]) -> None:
            posted = session.get(Poll, row.payload["poll_id"])
            assert posted is not None
            posted.channel_id, posted.message_ts = result.get("channel"), result.get("ts")
            settled(session)

        def failed(session: Session, error: str) -> None:
            poll = unlaunch(session, poll_id=row.payload["poll_id"])
            if poll is not None:
                text = launch_failure(poll.id, channel, error, PERMANENT.get(error))
                now = clock.now()
                outbox.tell_later(
                    session, reply_to, text, now=now, issued=utc(issued), key=f"launch-failed:{row_id}"
                )
            settled(session)

        return Delivery(
            "chat.postMessage", {"channel": poll.channel_id, **message}, after=remember, failed=failed
        )

    def poll_refresh(session: Session, row: Outbox) -> Delivery | None:
        poll = session.get(Poll, row.payload["poll_id"])
        if poll is None or not poll.message_ts:
            return None
        message = poll_message(poll, counted(session, poll), updated=stamp())
        return Delivery("chat.update", {"channel": poll.channel_id, "ts": poll.message_ts, **message})

    renderers.register(Kind.POLL_POST, poll_post)
    renderers.register(Kind.POLL_REFRESH, poll_refresh)
