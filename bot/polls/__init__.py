"""Polls: launching, answering and closing them, the answer rules, tallies, disclosure control
for anonymous results, and their Block Kit views (with the poll message's outbox renderers).

May import `bot.delivery` and the layers below it.
"""

from bot.polls.disclosure import FEWER, MIN_CELL, Group, Split, groups, split
from bot.polls.ranking import (
    Ranking,
    cell_count,
    cells,
    check_ranking,
    order_in_brief,
    rank_block,
    rank_modal,
    ranking_text,
    standing_figures,
    standings,
)
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
from bot.polls.team import (
    Standing,
    TeamAnswer,
    TeamCard,
    TeamPolls,
    focus_key,
    nudge_key,
    team_count,
    team_key,
)
from bot.polls.team_views import missing_blocks, nudged_answer, team_card_blocks
from bot.polls.views import (
    WITHHELD,
    answer_modal,
    choose_modal,
    new_poll_modal,
    poll_list_blocks,
    question_card,
    ranking_lines,
    results_blocks,
    survey_lines,
    survey_modal,
)

__all__ = [
    "Standing",
    "TeamAnswer",
    "TeamCard",
    "TeamPolls",
    "focus_key",
    "nudge_key",
    "team_key",
    "missing_blocks",
    "nudged_answer",
    "team_card_blocks",
    "team_count",
    "SIDES",
    "side_label",
    "WITHHELD",
    "FEWER",
    "Group",
    "MIN_CELL",
    "PollService",
    "Ranking",
    "rank_block",
    "cell_count",
    "cells",
    "check_ranking",
    "order_in_brief",
    "rank_modal",
    "ranking_lines",
    "ranking_text",
    "standing_figures",
    "standings",
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
