"""/poll: facilitators launch, build, close and inspect polls."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.polls import missing_blocks, new_poll_modal, nudged_answer, poll_list_blocks, results_blocks
from bot.slack import mrkdwn
from handlers.common import channel_id, command_answer, form_value, open_view, reply_target, user_id
from handlers.core import Core
from storage.models import Poll

HELP = """*Convene polls*
• `/poll launch <id>`: post a poll from the event file in this channel
• `/poll new`: build a poll in a form and post it here
• `/poll close [id]`: close a poll (default: the newest open one here); final results show in its message
• `/poll results [id]`: see results now, only to you (even while hidden)
• `/poll list`: every poll, its status and response count
• `/poll missing <id>`: for a team poll, each answer's teams and the teams that have not answered
• `/poll nudge <id>`: one DM to the members of each team that has not answered a team poll
• `/poll display <id>`: a link to show the poll's live results on the room's screen
• `/poll help`: this message
Launching, closing and results are for facilitators and organizers.
Everyone answers with the buttons on a poll."""


def register(app: App, core: Core) -> None:
    """Wire /poll."""

    @app.command("/poll")
    def poll_command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        words = (body.get("text") or "").split()
        verb, args = (words[0].lower(), words[1:]) if words else ("help", [])
        ack(**command_answer(core, f"/poll {verb}", lambda: dispatch(core, verb, args, body, client)))


def dispatch(
    core: Core, verb: str, args: list[str], body: dict[str, Any], client: WebClient
) -> dict[str, Any]:
    """Carry out one /poll sub-command and return the ephemeral answer."""
    polls = core.polls
    who = user_id(body)
    channel = channel_id(body) or ""
    poll_id = args[0] if args else None
    if verb == "help":
        return {"text": HELP}
    if verb == "launch":
        if not poll_id:
            core.directory.require_staff(who, "launch polls")
            return {"text": "Which poll? `/poll launch <id>`; `/poll list` shows the ids."}
        poll = polls.launch(poll_id=poll_id, channel_id=channel, user_id=who, reply_to=reply_target(body))
        return {
            "text": f"Launched `{poll.id}` in this channel: _{mrkdwn(poll.question)}_\n"
            f"Close it with `/poll close {poll.id}`."
        }
    if verb == "close":
        poll = polls.close(poll_id=poll_id, channel_id=channel, user_id=who)
        return {"text": closed_answer(poll)}
    if verb == "results":
        poll, tally = polls.results(poll_id=poll_id, channel_id=channel, user_id=who)
        return results_blocks(poll, tally)
    if verb == "display":
        if not poll_id:
            core.directory.require_staff(who, "open display pages")
            return {"text": "Which poll? `/poll display <id>` gives a link for the room's screen."}
        url = core.displays.create(kind="poll", subject=poll_id.lower(), user_id=who)
        return {
            "text": f"For the room's screen (read-only; it follows the votes live): {url}\n"
            "Anyone with the link can see it, so share it only with the room."
        }
    if verb in ("missing", "nudge"):
        if not poll_id:
            core.directory.require_staff(who, "see which teams have answered")
            return {"text": f"Which poll? `/poll {verb} <id>` names a team poll."}
        if verb == "missing":
            return missing_blocks(core.event, polls.teams.standing(poll_id=poll_id, user_id=who))
        nudged, reached, before = polls.teams.nudge(poll_id=poll_id, user_id=who)
        return {"text": nudged_answer(core.event, poll_id.lower(), nudged, reached, before)}
    if verb == "list":
        rows = polls.all_polls(user_id=who)
        return poll_list_blocks(rows, event_title=core.event.title)
    if verb == "new":
        core.directory.require_staff(who, "create polls")
        view = new_poll_modal(metadata={"channel": channel})
        open_view(client, body, view)
        return {}
    return {"text": f"I don't know `/poll {mrkdwn(verb)}`.\n\n{HELP}"}


def closed_answer(poll: Poll) -> str:
    """What /poll close says: where the final results show, which depends on the poll's message."""
    if poll.message_ts:
        return f"Closed `{poll.id}`. Its message now shows the final results."
    if not poll.channel_id:  # answered by DM: it has no message in a channel
        return f"Closed `{poll.id}`; it takes no more answers. `/poll results {poll.id}` shows them."
    return (
        f"Closed `{poll.id}` before its message reached <#{poll.channel_id}>: nobody could answer it. "
        "The message will show that it is closed when it arrives."
    )


def new_poll_draft(values: dict[str, Any]) -> dict[str, Any]:
    """Read the /poll new form's state into a plain draft."""
    return {
        "question": form_value(values, "question"),
        "kind": form_value(values, "kind"),
        "options": form_value(values, "options"),
        "results": form_value(values, "results"),
        "anonymous": "yes" in (form_value(values, "anonymous") or []),
    }
