"""/headline: district teams submit vision headlines; facilitators moderate and nudge."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.core import FieldErrors, UserError
from bot.headlines import headline_modal, mine_blocks, missing_blocks, staff_list_blocks
from bot.slack import mrkdwn
from handlers.common import (
    SORRY,
    UNREADABLE,
    answering,
    command_answer,
    form_value,
    log,
    metadata,
    open_view,
    reply_target,
    row_id,
    tell,
    user_id,
)
from handlers.core import Core

HELP = """*Vision headlines*
• `/headline`: submit your team's headline (future success, in a sentence)
• `/headline mine`: your headlines, to edit or withdraw while collection is open
For facilitators and organizers:
• `/headline list`: every headline with its number
• `/headline hide <number>` / `/headline show <number>`: keep one off the wall and word cloud, or show it
• `/headline missing`: teams that have not submitted, with a button to nudge their members once"""


def register(app: App, core: Core) -> None:
    """Wire /headline, its buttons and its form."""
    headlines, event = core.headlines, core.event

    def open_form(body: dict[str, Any], client: WebClient, headline_id: int | None = None) -> None:
        who = user_id(body)
        teams = headlines.teams_of(who)
        current = None
        if headline_id is not None:
            current = next((h for h in headlines.mine(who) if h.id == headline_id), None)
            if current is None:
                raise UserError("That headline is not one of yours (or it was withdrawn).")
        if not headlines.is_open():
            closes = headlines.closes()
            raise UserError(
                "Headline collection has closed." if closes else "This event does not collect headlines."
            )
        closes_at = headlines.closes()
        assert closes_at is not None
        meta = {"headline": headline_id, **_target(body)}
        view = headline_modal(
            teams, metadata=meta, current=current, closes=closes_at.astimezone(event.tz), now=core.clock.now()
        )
        open_view(client, body, view)

    @app.command("/headline")
    def headline_command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        words = (body.get("text") or "").split()
        verb, args = (words[0].lower(), words[1:]) if words else ("new", [])
        who = user_id(body)

        def work() -> dict[str, Any] | str:
            if verb == "new":
                open_form(body, client)
                return {}
            if verb == "help":
                return HELP
            if verb == "mine":
                return mine_blocks(headlines.mine(who), event, is_open=headlines.is_open())
            if verb == "list":
                core.directory.require_staff(who, "list every headline")
                return staff_list_blocks(
                    headlines.wall(include_hidden=True), headlines.missing_teams(), event
                )
            if verb == "missing":
                core.directory.require_staff(who, "see which teams are missing")
                return missing_blocks(headlines.missing_teams(), can_nudge=headlines.is_open())
            if verb == "nudge":
                return _nudged(headlines.nudge_missing(user_id=who))
            if verb in ("hide", "show"):
                h = headlines.set_hidden(user_id=who, headline_id=_number(args), hidden=verb == "hide")
                state = "hidden from the wall and the word cloud" if h.hidden else "shown again"
                return f"Headline #{h.id} is {state}."
            return f"I don't know `/headline {mrkdwn(verb)}`.\n\n{HELP}"

        ack(**command_answer(core, f"/headline {verb}", work))

    @app.action("headline_open")
    def headline_open(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        answering(core, body, ack, lambda: open_form(body, client))

    @app.action("headline_edit")
    def headline_edit(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        answering(core, body, ack, lambda: open_form(body, client, _number([str(action.get("value"))])))

    @app.action("headline_withdraw")
    def headline_withdraw(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        def work() -> None:
            h = headlines.withdraw(user_id=user_id(body), headline_id=_number([str(action.get("value"))]))
            tell(core, reply_target(body), f"Withdrew headline #{h.id}.")

        answering(core, body, ack, work)

    @app.action("headline_nudge")
    def headline_nudge(ack: Ack, body: dict[str, Any]) -> None:
        def work() -> None:
            tell(core, reply_target(body), _nudged(headlines.nudge_missing(user_id=user_id(body))))

        answering(core, body, ack, work)

    @app.view("headline_submit")
    def headline_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = (view.get("state") or {}).get("values") or {}

        try:
            meta = metadata(body)
            h = headlines.submit(
                user_id=user_id(body),
                team_id=form_value(values, "team"),
                text=form_value(values, "headline"),
                explanation=form_value(values, "explanation"),
                headline_id=_form_headline(meta.get("headline")),
            )
        except FieldErrors as exc:
            ack(response_action="errors", errors=exc.errors)
            return
        except UserError as exc:
            ack(response_action="errors", errors={"headline": str(exc)})
            return
        except Exception:
            log.exception("headline submission failed")
            ack(response_action="errors", errors={"headline": SORRY})
            return
        target = {k: meta[k] for k in ("response_url", "channel", "user") if meta.get(k)}
        if target:
            team = event.teams[h.team_id].name if h.team_id in event.teams else h.team_id
            tell(
                core,
                target,
                f"Saved headline #{h.id} for {team}. `/headline mine` to edit or withdraw it.",
            )
        ack()


def _target(body: dict[str, Any]) -> dict[str, Any]:
    try:
        target = reply_target(body)
    except UserError:
        return {}
    return target if target.get("response_url") or target.get("channel") else {}


def _number(args: list[str]) -> int:
    number = row_id(args[0]) if args else None
    if number is None:
        raise UserError(
            "Which headline? Give its number, e.g. `/headline hide 12` (`/headline list` shows them)."
        )
    return number


def _form_headline(value: int | None) -> int | None:
    """The headline a form edits, as the form carried it back (None: a new one)."""
    number = row_id(value)
    if value is not None and number is None:
        raise UserError(UNREADABLE)
    return number


def _nudged(count: int) -> str:
    if count == 0:
        return "Nobody to nudge: every team has submitted, or their members were already nudged."
    return f"Nudged {count} people on teams that have not submitted yet. Each person is nudged only once."
