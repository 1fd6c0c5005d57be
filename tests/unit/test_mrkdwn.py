"""mrkdwn safety for text people type: Slack's control characters escaped so `<!channel>`,
`<@U…>` and `<link|label>` do nothing, bare @channel/@here/@everyone defused, and truncation."""

from __future__ import annotations

import pytest

from bot.slack.mrkdwn import escape, truncate

ZWSP = "\u200b"


@pytest.mark.parametrize(
    ("typed", "reposted"),
    [
        ("<!channel> look", "&lt;!channel&gt; look"),
        ("<!here|here>", "&lt;!here|here&gt;"),
        ("thanks <@U123>", "thanks &lt;@U123&gt;"),
        ("<#C024BE7LR>", "&lt;#C024BE7LR&gt;"),
        ("<http://x|y>", "&lt;http://x|y&gt;"),
        ("R&D", "R&amp;D"),
        ("already &amp; escaped", "already &amp;amp; escaped"),
        ("3 < 4 > 2", "3 &lt; 4 &gt; 2"),
        ("plain words, *bold* and _italic_", "plain words, *bold* and _italic_"),
    ],
)
def test_escape_neutralises_slack_markup(typed: str, reposted: str) -> None:
    assert escape(typed) == reposted


@pytest.mark.parametrize("word", ["channel", "here", "everyone"])
def test_bare_mentions_are_broken_by_a_zero_width_space(word: str) -> None:
    escaped = escape(f"hey @{word}!")
    assert escaped == f"hey @{ZWSP}{word}!"
    assert f"@{word}" not in escaped


def test_every_mention_in_a_text_is_defused() -> None:
    assert escape("@here and @here, <!everyone>") == f"@{ZWSP}here and @{ZWSP}here, &lt;!everyone&gt;"


def test_truncate_keeps_short_text_and_cuts_long_text_to_the_limit() -> None:
    assert truncate("headline", 8) == "headline"
    assert truncate("headlines", 8) == "headlin…"
    assert len(truncate("x" * 500, 280)) == 280
    assert truncate("", 5) == ""
