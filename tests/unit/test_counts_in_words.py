"""Counts in what the bot writes take the noun's right number: "1 headline", "1 team has",
"(1 answer)", never "1 headlines" or "headline(s)"."""

from __future__ import annotations

from bot.event import Event
from bot.headlines import mine_blocks, missing_blocks, staff_list_blocks, wall_messages
from bot.polls.tally import Statement, SurveyResult
from bot.polls.views import survey_lines
from storage.models import Headline, Poll


def one_headline(event: Event) -> tuple[dict[str, list[Headline]], str]:
    team = next(iter(event.teams))
    return {
        team: [Headline(id=7, team_id=team, author_person="p", author_user="U1", text="Trust built")]
    }, team


def test_headline_views_say_one_headline_and_one_team(example_event: Event) -> None:
    wall, team = one_headline(example_event)
    missing = [t for t in example_event.teams.values() if t.id != team][:1]
    assert mine_blocks(wall[team], example_event, is_open=True)["text"] == "You have 1 headline."
    staff = staff_list_blocks(wall, missing, example_event)["text"]
    assert staff == "1 headline from 1 district team; 1 district team has not submitted."
    assert missing_blocks(missing, can_nudge=False)["text"] == "1 team has not submitted a headline."
    two = [t for t in example_event.teams.values()][:2]
    assert missing_blocks(two, can_nudge=False)["text"] == "2 teams have not submitted a headline."
    (message,) = wall_messages(wall, example_event)
    header = message["blocks"][1]["text"]["text"]
    assert header.startswith("1 headline from 1 district team: ")
    for text in (staff, header):
        assert "(s)" not in text and "1 headlines" not in text


def test_a_survey_with_one_comment_says_so() -> None:
    poll = Poll(id="evaluation", question="How did it go?", kind="survey")
    survey = SurveyResult(
        poll=poll,
        respondents=1,
        statements=[Statement("Useful", [0, 0, 0, 1, 0], by_side=[])],
        interests=[],
        comments=["More coffee"],
    )
    assert survey_lines(survey)[-1] == "1 comment"
