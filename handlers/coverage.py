"""/coverage: what each team's breakout choices cover, for facilitators and organizers."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.agenda import Coverage, find_team, rounds
from bot.agenda.coverage_views import overview_blocks, sentence, team_blocks
from bot.agenda.lookup import event_time
from bot.core import NotAllowed, UserError
from handlers.common import command_answer, user_id
from handlers.core import Core

HELP = """*Breakout coverage* (facilitators and organizers)
• `/coverage`: every team: how many different breakouts it covers, who is on their own, who has not chosen
• `/coverage <team>`: one team's choices in each round, and what is missing
• `/coverage <time>`: each team's choices in the round that starts then, e.g. `/coverage 10:00`"""


def register(app: App, core: Core) -> None:
    """Wire /coverage."""

    @app.command("/coverage")
    def coverage_command(ack: Ack, body: dict[str, Any]) -> None:
        who = user_id(body)
        text = body.get("text") or ""
        ack(**command_answer(core, "/coverage", lambda: answer(core, who, text)))


def answer(core: Core, who: str, text: str) -> dict[str, Any] | str:
    """The /coverage answer for `who`: every team, one team, or one round."""
    event, now = core.event, core.clock.now()
    coverage = Coverage.of(core.agenda)
    if not rounds(event):
        raise UserError("This event has no breakout sessions.")
    if not core.directory.is_staff(who):
        person = core.directory.person(who)
        own = [sentence(event, c, now=now, you=person) for c in coverage.of_person(person)] if person else []
        raise NotAllowed(
            "Only facilitators and organizers can see every team's breakout coverage."
            + (
                "\n" + "\n".join(own) + "\nYour Home tab with Convene shows your team's choices."
                if own
                else ""
            )
        )
    words = " ".join(text.split())
    if not words:
        return overview_blocks(event, coverage.every_team(), now=now)
    if words.lower() == "help":
        return HELP
    at = event_time(words)
    if at is not None:
        round_ = coverage.round_at(at, core.agenda.today())
        return overview_blocks(event, coverage.every_team(), now=now, round_=round_)
    return team_blocks(event, coverage.team(find_team(event, words)), now=now)
