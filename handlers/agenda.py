"""/agenda and the App Home tab (today's agenda, breakout choices, open polls)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.agenda import (
    Coverage,
    announce,
    details_message,
    find_sessions,
    home_view,
    my_day_blocks,
    not_found_message,
    now_and_next,
    now_next_blocks,
    rounds,
    take_information,
)
from bot.agenda.coverage_views import home_blocks, partner_note, staff_home_blocks
from bot.core import NotAllowed, UserError
from bot.core.formatting import count
from bot.event import EventFileError, load_event
from bot.polls import team_card_blocks
from bot.slack import mrkdwn
from handlers.common import command_answer, log, user_id
from handlers.core import Core


def register(app: App, core: Core) -> None:
    """Wire /agenda, the Home tab and breakout choices."""
    event, directory, agenda = core.event, core.directory, core.agenda

    @app.command("/agenda")
    def agenda_command(ack: Ack, body: dict[str, Any]) -> None:
        words = (body.get("text") or "").split()
        now = core.clock.now()
        if words and words[0].lower() == "me":
            person = directory.person(user_id(body))
            day = agenda.today()
            chosen = agenda.choices(person.id) if person else {}
            missing = (
                [
                    r
                    for r in rounds(event, person)
                    if r.start.astimezone(event.tz).date() == day and r.key not in chosen
                ]
                if person
                else []
            )
            ack(**my_day_blocks(event, directory, day, agenda.day_of(person, day), missing))
            return
        if words:
            found = find_sessions(event, " ".join(words), agenda.today())
            if found.sessions:
                ack(**details_message(event, directory, found.sessions))
            else:
                ack(**not_found_message(event, " ".join(words), found.closest))
            return
        # Staff see every session; a participant the sessions that are for them.
        who = user_id(body)
        person = None if directory.is_staff(who) else directory.person(who)
        current, upcoming = now_and_next(event, now, person)
        ack(**now_next_blocks(event, directory, now, current, upcoming))

    @app.command("/event")
    def event_command(ack: Ack, body: dict[str, Any]) -> None:
        ack(
            **command_answer(
                core, "/event", lambda: reload_event(core, user_id(body), body.get("text") or "")
            )
        )

    @app.event("app_home_opened")
    def home_opened(body: dict[str, Any]) -> None:
        payload = body.get("event") or {}
        # Slack names the person by id here; an event that names no one has no Home tab to show.
        if payload.get("tab", "home") == "home" and isinstance(payload.get("user"), str):
            publish_home(core, app.client, payload["user"])

    @app.action(re.compile(r"^breakout_choose_"))
    def breakout_choose(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        who = user_id(body)
        note = None
        person = directory.person(who)
        option = action.get("selected_option")
        session_id = option.get("value") if isinstance(option, dict) else None
        try:
            if person is None:
                raise UserError("Only people on the roster can choose breakouts.")
            if not isinstance(session_id, str):
                raise UserError("That is not one of the breakouts.")
            chosen = agenda.choose(person=person, session_id=session_id)
            partners = partner_note(Coverage.of(agenda).of_person(person), person, chosen.id)
            chose = f":white_check_mark: You chose *{mrkdwn(chosen.title)}*."
            note = f"{chose} {partners}" if partners else chose
        except UserError as exc:
            note = f":warning: {exc}"
        publish_home(core, app.client, who, note=note)


def publish_home(core: Core, client: WebClient, user: str, note: str | None = None) -> None:
    """Render and publish one person's Home tab."""
    event, directory, agenda = core.event, core.directory, core.agenda
    person = directory.person(user)
    day = agenda.today()
    now = core.clock.now()
    coverage = Coverage.of(agenda).of_person(person) if person else []
    for_staff = (
        staff_home_blocks(event, Coverage.of(agenda).every_team(), now=now)
        if directory.is_staff(user)
        else []
    )
    view = home_view(
        event,
        directory,
        name=person.name if person else None,
        day=day,
        sessions=agenda.day_of(person, day),
        rounds=rounds(event, person),
        choices=agenda.choices(person.id) if person else {},
        open_polls=agenda.open_polls(person),
        now=now,
        note=note,
        headline_button=bool(person and person.teams and core.headlines.is_open()),
        survey=agenda.feedback_form(person),
        team_time=team_card_blocks(event, core.polls.teams.cards(person)),
        coverage=(home_blocks(event, coverage, you=person, now=now) if person else []) + for_staff,
    )
    try:
        client.views_publish(user_id=user, view=view)
    except SlackApiError as exc:
        log.warning("could not publish a Home tab: %s", exc.response.get("error"))


def reload_event(core: Core, who: str, text: str) -> str:
    """/event reload: read the event file again, take the sessions' new information, and DM
    each session's attendees the materials added since it ended."""
    person = core.directory.person(who)
    if person is None or person.id not in core.event.organizers:
        raise NotAllowed("Only the event's organizers can reload the event file.")
    if text.strip().lower() != "reload":
        raise UserError("`/event reload` reads the event file again.")
    try:
        fresh = load_event(core.event.path)
    except EventFileError as exc:
        shown = "\n".join(f"• {mrkdwn(str(p))}" for p in exc.problems[:5])
        more = (
            f"\n…and {len(exc.problems) - 5} more (`convene check` lists them)"
            if len(exc.problems) > 5
            else ""
        )
        raise UserError(f"The event file no longer checks; nothing was changed:\n{shown}{more}") from None
    done = take_information(core.event, fresh)
    sent = announce(
        event=core.event,
        engine=core.agenda.engine,
        clock=core.clock,
        directory=core.directory,
        added=done.added,
    )
    lines = [f"Event file read again: {count(len(done.updated), 'session', 'sessions')} updated."]
    if sent:
        lines.append(f"New materials are on their way to {count(sent, 'person', 'people')} who attended.")
    if done.waiting or done.other_sections:
        lines.append(
            "Other changes (times, rooms, sessions, polls, people) take effect when Convene restarts."
        )
    return "\n".join(lines)
