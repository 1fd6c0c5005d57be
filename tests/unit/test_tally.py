"""Counting and showing results, for given tallies: shares, averages, the "agree or strongly
agree" figure and what it is called, answer labels, and the result lines and bars a poll
message is made of."""

from __future__ import annotations

import pytest

from bot.polls.tally import Statement, SurveyResult, Tally, choice_labels, top_two
from bot.polls.views import BAR_WIDTH, MAX_TEXT_ANSWERS_SHOWN, bar, result_lines, survey_lines
from storage.models import Poll

RATING = Poll(id="useful", question="Useful?", kind="rating")
CONFIDENCE = Poll(
    id="confident",
    question="How confident are you?",
    kind="rating",
    labels={"1": "Not at all confident", "4": "Very confident", "5": "Completely confident"},
)


def test_percent_is_of_respondents_and_rounded() -> None:
    result = Tally(respondents=3, counts=[2, 1, 0])
    assert [result.percent(i) for i in range(3)] == [67, 33, 0]


def test_percent_with_no_respondents_is_zero() -> None:
    assert Tally(respondents=0, counts=[0, 0]).percent(1) == 0


def test_multiple_choice_shares_can_add_up_to_more_than_100() -> None:
    result = Tally(respondents=4, counts=[4, 3, 1])
    assert [result.percent(i) for i in range(3)] == [100, 75, 25]


def test_average_of_a_rating() -> None:
    assert Tally(respondents=4, counts=[0, 0, 1, 1, 2]).average == 4.25
    assert Tally(respondents=2, counts=[1, 0, 0, 0, 1]).average == 3.0
    assert Tally(respondents=0, counts=[0] * 5).average is None


def test_agree_share_counts_fours_and_fives() -> None:
    assert Tally(respondents=8, counts=[1, 1, 0, 2, 4]).agree_share() == 75
    assert Tally(respondents=3, counts=[1, 1, 1, 0, 0]).agree_share() == 0
    assert Tally(respondents=0, counts=[0] * 5).agree_share() == 0


def test_top_two_on_the_default_scale() -> None:
    assert top_two(RATING) == "agree or strongly agree"


def test_top_two_uses_the_polls_own_labels_for_four_and_five() -> None:
    assert top_two(CONFIDENCE) == "very confident or completely confident"


NEVER_TO_ALWAYS = Poll(id="p", question="Q?", kind="rating", labels={"1": "Never", "5": "All the time"})


def test_top_two_names_only_labels_the_organizer_gave() -> None:
    assert top_two(NEVER_TO_ALWAYS) == "rated 4 or 5"
    only_four = Poll(id="p", question="Q?", kind="rating", labels={"4": "Often"})
    assert top_two(only_four) == "rated 4 or 5"


def test_top_two_keeps_a_label_that_starts_with_a_capital_word() -> None:
    poll = Poll(id="p", question="Q?", kind="rating", labels={"4": "OK most days", "5": "I love it"})
    assert top_two(poll) == "OK most days or I love it"
    poll = Poll(id="p", question="Q?", kind="rating", labels={"4": "Often", "5": "All the time"})
    assert top_two(poll) == "often or all the time"


def test_choice_labels_of_a_rating_number_each_point() -> None:
    assert choice_labels(RATING) == [
        "1 Strongly disagree",
        "2 Disagree",
        "3 Neutral",
        "4 Agree",
        "5 Strongly agree",
    ]
    assert choice_labels(CONFIDENCE) == [
        "1 Not at all confident",
        "2",
        "3",
        "4 Very confident",
        "5 Completely confident",
    ]


def test_unlabelled_points_of_a_labelled_scale_show_their_number() -> None:
    assert choice_labels(NEVER_TO_ALWAYS) == ["1 Never", "2", "3", "4", "5 All the time"]


def test_choice_labels_of_choice_polls_and_surveys() -> None:
    poll = Poll(id="p", question="Q?", kind="multiple_choice", options=["Coaching", "Webinars"])
    labels = choice_labels(poll)
    assert labels == ["Coaching", "Webinars"]
    labels.append("changed")
    assert poll.options == ["Coaching", "Webinars"]  # a copy, not the poll's own list
    assert choice_labels(Poll(id="s", question="Q?", kind="survey", options=["Coaching"])) == []


# --------------------------------------------------------------------------- bars and lines


@pytest.mark.parametrize(
    ("share", "filled"), [(0, 0), (2, 0), (3, 1), (33, 7), (50, 10), (67, 13), (100, 20)]
)
def test_bar_has_twenty_cells_filled_in_proportion(share: int, filled: int) -> None:
    assert bar(share) == "`" + "█" * filled + "░" * (BAR_WIDTH - filled) + "`"


def test_result_lines_of_a_choice_poll() -> None:
    poll = Poll(id="p", question="Q?", kind="single_choice", options=["Ready", "Tired & <@U1>"])
    lines = result_lines(poll, Tally(respondents=3, counts=[2, 1]))
    assert lines == [
        "*Ready*\n`█████████████░░░░░░░` 2 · 67%",
        "*Tired &amp; &lt;@U1&gt;*\n`███████░░░░░░░░░░░░░` 1 · 33%",
    ]


def test_result_lines_of_a_rating_use_its_labels() -> None:
    lines = result_lines(CONFIDENCE, Tally(respondents=2, counts=[0, 0, 0, 1, 1]))
    assert [line.split("\n")[0] for line in lines] == [
        "*1 Not at all confident*",
        "*2*",
        "*3*",
        "*4 Very confident*",
        "*5 Completely confident*",
    ]
    assert lines[4].endswith(" 1 · 50%")


def test_result_lines_of_open_text_quote_the_latest_answers_escaped() -> None:
    poll = Poll(id="hopes", question="Hopes?", kind="open_text")
    texts = [f"answer {n}" for n in range(MAX_TEXT_ANSWERS_SHOWN + 5)] + ["<!channel> & more"]
    lines = result_lines(poll, Tally(respondents=len(texts), texts=texts))
    assert len(lines) == MAX_TEXT_ANSWERS_SHOWN + 1
    assert lines[0] == "> answer 6"
    assert lines[-2] == "> &lt;!channel&gt; &amp; more"
    assert lines[-1] == "_…and 6 more_"


def test_a_long_open_text_answer_is_cut_at_280_characters() -> None:
    poll = Poll(id="hopes", question="Hopes?", kind="open_text")
    (line,) = result_lines(poll, Tally(respondents=1, texts=["w" * 300]))
    assert line == "> " + "w" * 279 + "…"


def test_result_lines_with_no_answers_yet() -> None:
    assert result_lines(Poll(id="h", question="Q?", kind="open_text"), Tally()) == ["_No answers yet._"]
    assert result_lines(Poll(id="s", question="Q?", kind="survey"), Tally()) == ["_No answers yet._"]


@pytest.mark.parametrize(
    "poll",
    [
        RATING,
        CONFIDENCE,
        Poll(id="one", question="Q?", kind="single_choice", options=["A", "B"]),
        Poll(id="all", question="Q?", kind="multiple_choice", options=["A", "B", "C"]),
        Poll(id="order", question="Q?", kind="ranking", options=["A", "B", "C"]),
    ],
)
def test_every_kind_says_no_answers_yet_as_surveys_do_not_bars_at_0(poll: Poll) -> None:
    empty = Tally(respondents=0, counts=[0] * len(choice_labels(poll)))
    assert result_lines(poll, empty) == result_lines(Poll(id="s", question="Q?", kind="survey"), Tally())


def test_survey_lines_per_statement_interest_and_comments() -> None:
    poll = Poll(id="evaluation", question="How did it go?", kind="survey", options=["Coaching", "Webinars"])
    survey = SurveyResult(
        poll=poll,
        respondents=10,
        statements=[
            Statement("Useful & informative", [0, 1, 1, 4, 4], by_side=[]),
            Statement("I would recommend it", [2, 2, 2, 2, 0], by_side=[]),
        ],
        interests=[("Coaching", 3), ("Webinars", 0)],
        comments=["More coffee", "Longer breaks"],
    )
    assert survey_lines(survey) == [
        "*Useful &amp; informative*: 80% agree or strongly agree (n = 10)",
        "*I would recommend it*: 25% agree or strongly agree (n = 8)",
        "Coaching: 3",
        "2 comments",
    ]
    assert result_lines(poll, Tally(respondents=10, survey=survey)) == survey_lines(survey)
    assert survey_lines(None) == []


# --------------------------------------------------------------------------- shares that add up


ROUNDS_TO_99 = [1, 1, 3, 2, 1]  # of 8: 12.5, 12.5, 37.5, 25, 12.5


def test_the_shares_of_one_poll_add_up_to_100() -> None:
    result = Tally(respondents=8, counts=ROUNDS_TO_99)
    shown = [result.percent(i) for i in range(5)]
    assert sum(shown) == 100 and shown == [13, 12, 38, 25, 12]
    # The "4 or 5" figure is the sum of the two shares shown beside it.
    assert result.agree_share() == shown[3] + shown[4]


def test_the_result_lines_show_shares_that_add_up_to_100() -> None:
    poll = Poll(id="p", question="Q?", kind="single_choice", options=list("abcde"))
    lines = result_lines(poll, Tally(respondents=8, counts=ROUNDS_TO_99))
    assert sum(int(line.rsplit("· ", 1)[1].rstrip("%")) for line in lines) == 100


def test_a_statements_agree_share_is_the_sum_of_its_shown_shares() -> None:
    assert Statement("s", [1, 1, 3, 2, 1], by_side=[]).agree == 37  # 25 + 12, not round(37.5) = 38
