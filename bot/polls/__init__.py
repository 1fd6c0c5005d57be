"""Polls: launching, answering and closing them, the answer rules, tallies, disclosure control
for anonymous results, and their Block Kit views (with the poll message's outbox renderers).

May import `bot.delivery` and the layers below it.
"""

from bot.polls.disclosure import FEWER, MIN_CELL, Group, Split, groups, split
from bot.polls.service import PollService, tally_respondents
from bot.polls.tally import (
    SIDES,
    SurveyResult,
    Tally,
    choice_labels,
    side_label,
    survey_result,
    tally,
    top_two,
)
from bot.polls.views import (
    WITHHELD,
    answer_modal,
    choose_modal,
    new_poll_modal,
    poll_list_blocks,
    question_card,
    results_blocks,
    survey_lines,
    survey_modal,
)

__all__ = [
    "SIDES",
    "side_label",
    "WITHHELD",
    "FEWER",
    "Group",
    "MIN_CELL",
    "PollService",
    "Split",
    "SurveyResult",
    "Tally",
    "answer_modal",
    "choice_labels",
    "choose_modal",
    "groups",
    "new_poll_modal",
    "poll_list_blocks",
    "question_card",
    "results_blocks",
    "split",
    "survey_lines",
    "survey_modal",
    "survey_result",
    "tally",
    "tally_respondents",
    "top_two",
]
