"""The Slack app manifest for an event: commands, interactivity, scopes, transport."""

from __future__ import annotations

from typing import Any

from bot.event import Event

BOT_SCOPES = [
    "chat:write",  # post polls, reminders and summaries
    "chat:write.public",  # post in public channels without being invited first
    "channels:join",  # join a session channel when a post finds the bot outside it
    "channels:read",  # resolve channel names from the event file
    "groups:read",  # ... including private channels it was invited to
    "commands",  # /poll, /qa, ...
    "im:write",  # direct messages (pre-event poll, personal reminders)
    "users:read",  # match roster people to Slack users
    "users:read.email",  # ... by their email
    "files:write",  # word clouds and reports
]

COMMANDS = [
    {
        "command": "/poll",
        "description": "Launch, close and see results of live polls",
        "usage_hint": (
            "launch <id> | new | close [id] | results [id] | list | missing <id> | nudge <id> | help"
        ),
    },
    {
        "command": "/qa",
        "description": "Audience Q&A: open, close, show and moderate a session's questions",
        "usage_hint": (
            "open [session] | close | display | queue | approve <#> | dismiss <#> | answered <#> | help"
        ),
    },
    {
        "command": "/headline",
        "description": "Submit your team's vision headline (facilitators: list, hide, nudge)",
        "usage_hint": "[mine | list | missing | hide <n> | show <n> | help]",
    },
    {
        "command": "/wordcloud",
        "description": "Post a word cloud of an open-text poll's answers, or of the headlines",
        "usage_hint": "<poll id> | headlines",
    },
    {
        "command": "/closing",
        "description": "Post the headlines wall and the closing word clouds now (facilitators)",
        "usage_hint": "[display]",
    },
    {
        "command": "/summary",
        "description": "Organizers: the day's summary so far, by DM",
        "usage_hint": "now",
    },
    {
        "command": "/agenda",
        "description": "What is on now and next, your own day, or one session's details",
        "usage_hint": "[me | session, title words or a time like 14:30]",
    },
    {
        "command": "/coverage",
        "description": "Facilitators: which breakouts each team covers, who is on their own",
        "usage_hint": "[team | time like 10:00 | help]",
    },
    {
        "command": "/event",
        "description": "Read the event file again (organizers)",
        "usage_hint": "reload",
    },
]
BOT_EVENTS = ["app_home_opened"]


def build_manifest(event: Event, *, request_url: str | None = None, name: str = "Convene") -> dict[str, Any]:
    """The manifest; Socket Mode unless `request_url` (…/slack/events of `convene serve`) is given."""
    commands = []
    for spec in COMMANDS:
        command = {**spec, "should_escape": False}
        if request_url:
            command["url"] = request_url
        commands.append(command)
    interactivity: dict[str, Any] = {"is_enabled": True}
    events: dict[str, Any] = {"bot_events": BOT_EVENTS}
    if request_url:
        interactivity["request_url"] = request_url
        events["request_url"] = request_url
    description = f"Polls, headlines and reminders for {event.info.name}"
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": description[:140],
            "long_description": (
                f"Convene runs the engagement side of {event.info.name}: live polls that facilitators "
                "launch and close with /poll, results that update as people answer, and (as the event "
                "is set up) reminders, vision headlines, word clouds and organizer summaries. Every "
                "answer is recorded before Slack is told it arrived, and anonymous polls keep no record "
                "of who chose what."
            ),
            "background_color": "#1d3557",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": commands,
        },
        "oauth_config": {"scopes": {"bot": BOT_SCOPES}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": request_url is None,
            "token_rotation_enabled": False,
        },
    }
