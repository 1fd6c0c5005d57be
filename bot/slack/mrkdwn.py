"""mrkdwn: text people typed, made safe to repost in Slack messages."""

from __future__ import annotations


def escape(text: str) -> str:
    """Neutralise text a person typed before the bot reposts it.

    Escaping &, < and > is what Slack documents: it defuses <!channel>,
    <@U123> and <http://link|label>. Zero-width joiners keep a bare @channel or
    @here from being turned into a mention by clients that auto-link them.
    """
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for word in ("@channel", "@here", "@everyone"):
        text = text.replace(word, "@\u200b" + word[1:])
    return text


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
