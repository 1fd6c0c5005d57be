"""The answer rules of polls, on in-memory `Poll` objects: what a vote or survey answer may be,
what the /poll new form accepts, the "Did you mean" hint, the voter's confirmation, and the
keyed hash that stands in for the voter on anonymous polls."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.clock import ManualClock
from bot.core.errors import FieldErrors, UserError
from bot.polls.service import (
    MAX_TEXT_ANSWER,
    PollService,
    Receipt,
    _check_answer,
    _check_survey,
    _closest,
    validate_draft,
)
from storage.models import Poll


def choice_poll(kind: str = "single_choice") -> Poll:
    return Poll(
        id="warmup", question="Where is your team?", kind=kind, options=["Starting", "Building", "Done"]
    )


def survey_poll() -> Poll:
    return Poll(
        id="evaluation",
        question="How did it go?",
        kind="survey",
        options=["Coaching", "Webinars"],
        survey={"statements": ["It was useful.", "I would recommend it."], "comments": "Anything else?"},
    )


def error_of(call: Any, *args: Any) -> str:
    with pytest.raises(UserError) as caught:
        call(*args)
    return str(caught.value)


# --------------------------------------------------------------------------- choices and text


def test_single_choice_takes_exactly_one_option() -> None:
    poll = choice_poll()
    assert _check_answer(poll, [2], None) == ([2], None)
    assert _check_answer(poll, [1, 1], None) == ([1], None)  # a repeated index is one choice
    assert error_of(_check_answer, poll, [0, 1], None) == "Choose exactly one option."
    assert error_of(_check_answer, poll, [], None) == "Choose exactly one option."


def test_multiple_choice_is_sorted_without_repeats_and_not_empty() -> None:
    poll = choice_poll("multiple_choice")
    assert _check_answer(poll, [2, 0, 2], None) == ([0, 2], None)
    assert error_of(_check_answer, poll, [], None) == "Choose at least one option."


@pytest.mark.parametrize("choices", [None, [3], [-1], [True], ["1"], [0, 7]])
def test_a_choice_outside_the_options_is_refused(choices: Any) -> None:
    assert error_of(_check_answer, choice_poll("multiple_choice"), choices, None) == (
        "That option is not part of this poll."
    )


def test_a_rating_has_five_points_and_one_answer() -> None:
    poll = Poll(id="useful", question="Useful?", kind="rating")
    assert _check_answer(poll, [4], None) == ([4], None)
    assert error_of(_check_answer, poll, [5], None) == "That option is not part of this poll."
    assert error_of(_check_answer, poll, [3, 4], None) == "Choose exactly one option."


def test_open_text_is_trimmed_required_and_limited() -> None:
    poll = Poll(id="hopes", question="What do you hope for?", kind="open_text")
    assert _check_answer(poll, [1], "  More time together \n") == (None, "More time together")
    assert _check_answer(poll, None, "x" * MAX_TEXT_ANSWER) == (None, "x" * MAX_TEXT_ANSWER)
    assert error_of(_check_answer, poll, None, "   ") == "Your answer is empty."
    assert error_of(_check_answer, poll, None, None) == "Your answer is empty."
    assert error_of(_check_answer, poll, None, "x" * (MAX_TEXT_ANSWER + 1)) == (
        "Your answer is longer than 1000 characters."
    )


# --------------------------------------------------------------------------- surveys


def test_a_complete_survey_answer_is_normalised() -> None:
    answers = {"statements": [4, 0], "interests": [1, 0, 1], "comments": "  More coffee.  "}
    assert _check_survey(survey_poll(), answers) == {
        "statements": [4, 0],
        "interests": [0, 1],
        "comments": "More coffee.",
    }


def test_interests_and_comments_are_optional() -> None:
    assert _check_survey(survey_poll(), {"statements": [2, 3], "comments": "   "}) == {
        "statements": [2, 3],
        "interests": [],
        "comments": None,
    }


@pytest.mark.parametrize(
    "statements", [None, [], [3], [3, 3, 3], [3, 5], [3, -1], [3, True], [3, "4"]], ids=repr
)
def test_every_statement_needs_a_rating_from_the_scale(statements: Any) -> None:
    with pytest.raises(FieldErrors) as caught:
        _check_survey(survey_poll(), {"statements": statements})
    assert caught.value.errors == {"s0": "Rate every statement from 1 to 5."}


def test_an_interest_that_is_not_offered_is_refused() -> None:
    with pytest.raises(UserError) as caught:
        _check_survey(survey_poll(), {"statements": [1, 1], "interests": [2]})
    assert not isinstance(caught.value, FieldErrors)
    assert str(caught.value) == "That option is not part of this survey."


def test_comments_are_kept_to_two_thousand_characters() -> None:
    assert (
        _check_survey(survey_poll(), {"statements": [1, 1], "comments": "c" * 2000})["comments"] == "c" * 2000
    )
    with pytest.raises(FieldErrors) as caught:
        _check_survey(survey_poll(), {"statements": [1, 1], "comments": "c" * 2001})
    assert caught.value.errors == {"comments": "Keep comments to 2,000 characters."}


# --------------------------------------------------------------------------- the /poll new form


def draft_errors(draft: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(FieldErrors) as caught:
        validate_draft(draft)
    return caught.value.errors


def test_a_good_draft_is_cleaned_up() -> None:
    draft = {"question": "  Lunch?  ", "options": "Pizza\n\n  Salad \n", "anonymous": True}
    assert validate_draft(draft) == {
        "question": "Lunch?",
        "kind": "single_choice",
        "options": ["Pizza", "Salad"],
        "anonymous": True,
        "results": "live",
    }


def test_rating_and_open_text_drafts_have_no_options() -> None:
    for kind in ("rating", "open_text"):
        assert validate_draft({"question": "How?", "kind": kind, "results": "hidden"})["options"] == []
        assert draft_errors({"question": "How?", "kind": kind, "options": "A\nB"}) == {
            "options": "Rating and open-text polls take no options; clear this field."
        }


def test_an_empty_draft_names_each_missing_field() -> None:
    assert draft_errors({}) == {
        "question": "Write the question.",
        "options": "Give 2 to 10 options, one per line.",
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("Only one", "Give 2 to 10 options, one per line."),
        ("\n".join(f"Option {n}" for n in range(11)), "Give 2 to 10 options, one per line."),
        ("Short\n" + "x" * 76, "Keep each option to 75 characters or fewer."),
        ("Yes\nNo\nyes", "Two options are the same."),
    ],
    ids=["one", "eleven", "too-long", "same-but-case"],
)
def test_choice_draft_options(options: str, message: str) -> None:
    assert draft_errors({"question": "Q?", "kind": "multiple_choice", "options": options}) == {
        "options": message
    }


def test_ten_options_of_75_characters_are_fine() -> None:
    options = "\n".join(f"{n}" + "x" * 74 for n in range(10))
    assert len(validate_draft({"question": "Q?", "options": options})["options"]) == 10


def test_an_unknown_kind_is_refused() -> None:
    assert draft_errors({"question": "Q?", "kind": "word_cloud"}) == {"kind": "Choose a kind."}


def test_a_crafted_form_cannot_build_what_the_form_does_not_offer() -> None:
    # A survey is built only from the event file; results are live or hidden.
    assert draft_errors({"question": "Q?", "kind": "survey"}) == {"kind": "Choose a kind."}
    assert draft_errors({"question": "Q?", "kind": "rating", "results": "always"}) == {
        "results": "Choose when results are shown."
    }


@pytest.mark.parametrize(
    "draft",
    [
        {"question": 5, "kind": "rating"},
        {"question": ["Q?"], "kind": "rating"},
        {"question": "Q?", "kind": ["rating"]},
        {"question": "Q?", "kind": "single_choice", "options": ["A", "B"]},
        {"question": "Q?", "kind": "rating", "results": {"x": 1}},
    ],
    ids=["question-int", "question-list", "kind-list", "options-list", "results-dict"],
)
def test_fields_of_the_wrong_type_are_field_errors(draft: dict[str, object]) -> None:
    assert draft_errors(draft)  # a clear message on the form, never a crash


def test_a_question_past_300_characters_is_refused() -> None:
    assert draft_errors({"question": "x" * 301, "kind": "rating"}) == {
        "question": "Keep the question to 300 characters or fewer."
    }
    assert validate_draft({"question": "x" * 300, "kind": "rating"})["question"] == "x" * 300


# --------------------------------------------------------------------------- "Did you mean"


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("capacity-projct", "capacity-project"),
        ("WARMUP", "warmup"),
        ("warmpu", "warmup"),
        ("lunch", None),
        ("", None),
    ],
)
def test_closest_poll_id(typed: str, hint: str | None) -> None:
    assert _closest(typed, ["capacity-project", "hopes", "warmup"]) == hint


# --------------------------------------------------------------------------- the confirmation


def test_confirmation_says_what_was_recorded() -> None:
    poll = Poll(id="p", question="Ready <!here>?", kind="single_choice", options=["Yes", "No"])
    fresh = Receipt(poll=poll, answer="Yes", changed=False, repeated=False).message()
    assert (
        fresh
        == "Recorded your answer: *Yes*\n_Ready &lt;!here&gt;?_\nYou can change it until the poll closes."
    )
    changed = Receipt(poll=poll, answer="No", changed=True, repeated=False).message()
    assert changed.startswith("Changed your answer to: *No*\n")
    repeated = Receipt(poll=poll, answer="No", changed=False, repeated=True).message()
    assert repeated == "Already recorded: *No*\n_Ready &lt;!here&gt;?_"


def test_confirmation_of_an_anonymous_answer_says_so() -> None:
    poll = Poll(id="p", question="Useful?", kind="rating", anonymous=True)
    message = Receipt(poll=poll, answer="5 Strongly agree", changed=False, repeated=False).message()
    assert message.startswith("Recorded your anonymous answer: *5 Strongly agree*")


# --------------------------------------------------------------------------- voter keys


def service(secret: bytes) -> PollService:
    # voter_key reads only the secret: no event, database or directory is consulted.
    unused: Any = None
    return PollService(
        event=unused, engine=unused, clock=ManualClock(), directory=unused, anonymity_secret=secret
    )


NAMED = Poll(id="warmup", question="Q?", kind="single_choice", options=["A", "B"])
ANONYMOUS = Poll(id="useful", question="Q?", kind="rating", anonymous=True)
OTHER_ANONYMOUS = Poll(id="useful-2", question="Q?", kind="rating", anonymous=True)


def test_a_named_poll_is_keyed_by_the_user_id() -> None:
    assert service(b"secret").voter_key(NAMED, "U024BE7LH") == "U024BE7LH"


def test_an_anonymous_key_is_a_stable_hash_without_the_user_id() -> None:
    polls = service(b"secret")
    key = polls.voter_key(ANONYMOUS, "U024BE7LH")
    assert key == polls.voter_key(ANONYMOUS, "U024BE7LH")
    assert key == service(b"secret").voter_key(ANONYMOUS, "U024BE7LH")
    assert key.startswith("anon:") and len(key) == len("anon:") + 48
    assert set(key.removeprefix("anon:")) <= set("0123456789abcdef")
    assert "U024BE7LH" not in key and "u024be7lh" not in key


def test_anonymous_keys_differ_per_person_per_poll_and_per_secret() -> None:
    polls = service(b"secret")
    key = polls.voter_key(ANONYMOUS, "U024BE7LH")
    assert polls.voter_key(ANONYMOUS, "U0OTHER01") != key
    assert polls.voter_key(OTHER_ANONYMOUS, "U024BE7LH") != key
    assert service(b"another secret").voter_key(ANONYMOUS, "U024BE7LH") != key


def test_poll_and_user_ids_cannot_be_shifted_into_each_other() -> None:
    # "useful" + "-2U1" and "useful-2" + "U1" must not collide: the two parts are kept apart.
    polls = service(b"secret")
    assert polls.voter_key(ANONYMOUS, "-2U1") != polls.voter_key(OTHER_ANONYMOUS, "U1")
