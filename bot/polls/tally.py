"""A poll's results from its responses: counts, shares, and a survey's statements."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from bot.core import formatting
from bot.event import DEFAULT_RATING_LABELS, Event, PollKind
from bot.polls.disclosure import Group, groups, withheld
from bot.polls.ranking import Ranking, rank
from storage.models import Poll, Response

# The sides results are split by, in the order they are shown; "Other" for a role with no side.
SIDES = ["Management", "Labor", "Other"]
# Why results show no counts, in plain words (Slack's views put them in italics).
WITHHELD_NOTE = "Anonymous: results show once 5 people have answered."
NO_ANSWERS_NOTE = "No answers yet."


def side_label(event: Event, role_id: str | None) -> str:
    """The side a role is on, as results name it."""
    role = event.roles.get(role_id or "")
    return role.side.value.capitalize() if role and role.side else "Other"


@dataclass
class Tally:
    """Counts for one poll, computed from its responses."""

    respondents: int = 0
    counts: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    survey: SurveyResult | None = None  # surveys: their statements, interests and comments
    answered: int | None = None  # pre-event polls: roster people who answered ...
    invited: int | None = None  # ... out of everyone the poll was sent to
    withheld: bool = False  # an anonymous poll under five answers: its counts are not shown (all 0)
    teams: str | None = None  # team polls: how many of the teams answered ("12 of 47 district teams")
    ranking: Ranking | None = None  # ranking polls: each option's mean rank and points (None if withheld)

    def percent(self, index: int) -> int:
        """An answer's share of the respondents, as every view shows it (they add up to 100)."""
        return formatting.shares(self.counts, self.respondents)[index]

    @property
    def average(self) -> float | None:
        if not sum(self.counts):
            return None
        return sum((i + 1) * c for i, c in enumerate(self.counts)) / sum(self.counts)

    def agree_share(self) -> int:
        """Share of ratings of 4 or 5 ("agree or strongly agree"), in percent: the sum of the
        two shares shown beside it."""
        return sum(formatting.shares(self.counts, sum(self.counts))[3:])


def nothing_to_show(result: Tally, *, shown: bool = True) -> str | None:
    """What to say in place of a poll's results, or None when there are counts to show: that an
    anonymous poll has under five answers, or, where its results are `shown` (not hidden until
    it closes), that nobody has answered yet. Every kind says so in these words, in Slack and on
    the room's screen, rather than drawing bars at 0%."""
    if result.withheld:
        return WITHHELD_NOTE
    if shown and not result.respondents:
        return NO_ANSWERS_NOTE
    return None


def rating_labels(poll: Poll) -> dict[int, str]:
    """A rating's labels by point: the organizer's, where any are given (a point they left
    unlabelled has none), else the default agreement scale."""
    given = {int(k): v for k, v in (poll.labels or {}).items()}
    return given if given else dict(DEFAULT_RATING_LABELS)


def _in_a_sentence(label: str) -> str:
    """A label inside a sentence: "Very confident" becomes "very confident"; one whose first
    word is in capitals ("OK", "I") stays as written."""
    first = label.split(" ", 1)[0]
    return label if first.isupper() else label[:1].lower() + label[1:]


def top_two(poll: Poll) -> str:
    """What the share of 4s and 5s on a rating poll is called: its labels for 4 and 5, so
    "agree or strongly agree" on the default scale and "very confident or completely
    confident" on a confidence scale; "rated 4 or 5" when the organizer did not label both,
    never a label the poll does not have."""
    labels = rating_labels(poll)
    if 4 not in labels or 5 not in labels:
        return "rated 4 or 5"
    return f"{_in_a_sentence(labels[4])} or {_in_a_sentence(labels[5])}"


def choice_labels(poll: Poll) -> list[str]:
    """What each answer index is called: the options, or the five points of a rating, each
    with its label if it has one ("1 Never", "2", ...)."""
    if poll.kind == PollKind.SURVEY:
        return []  # a survey's answers are read per question (bot.insights.survey_result)
    if poll.kind == PollKind.RATING:
        labels = rating_labels(poll)
        return [f"{n} {labels[n]}" if n in labels else str(n) for n in range(1, 6)]
    return list(poll.options)


def tally(session: Session, poll: Poll) -> Tally:
    """Count a poll's responses."""
    if poll.kind == PollKind.SURVEY:
        survey = survey_result(session, None, poll)
        return Tally(respondents=survey.respondents, survey=survey, withheld=survey.withheld)
    rows = session.execute(
        select(Response.choices, Response.text).where(Response.poll_id == poll.id).order_by(col(Response.id))
    ).all()
    result = Tally(respondents=len(rows), counts=[0] * len(choice_labels(poll)))
    result.withheld = withheld(poll, result.respondents)
    for choices, text in rows:
        for i in choices or []:
            if 0 <= i < len(result.counts) and not result.withheld:
                result.counts[i] += 1
        if text:
            result.texts.append(text)
    if poll.kind == PollKind.RANKING and not result.withheld:
        result.ranking = rank(poll.options, (choices for choices, _text in rows))
    return result


@dataclass
class Statement:
    """One survey statement's answers on the 1-5 scale."""

    text: str
    counts: list[int]
    by_side: list[Group]

    @property
    def n(self) -> int:
        return sum(self.counts)

    @property
    def agree(self) -> int:
        return sum(formatting.shares(self.counts, self.n)[3:])


@dataclass
class SurveyResult:
    """An evaluation survey's results: statements, interests, comments."""

    poll: Poll
    respondents: int
    statements: list[Statement]
    interests: list[tuple[str, int]]
    comments: list[str]
    withheld: bool = False  # anonymous, under five answers: every count is 0 and no side is shown


def survey_result(
    session: Session, event: Event | None, poll: Poll, roles: dict[str, str | None] | None = None
) -> SurveyResult:
    """Aggregate a survey's answers. With `event` and `roles` (each voter key's role, see
    `PollService.roles`) each statement is also split by side, through disclosure control when
    the survey is anonymous."""
    survey = poll.survey or {}
    texts = list(survey.get("statements") or [])
    rows = session.exec(
        select(Response.voter_key, Response.answers)
        .where(Response.poll_id == poll.id)
        .order_by(col(Response.voter_key))
    ).all()
    counts = [[0] * 5 for _ in texts]
    per_side: list[dict[str, list[list[int]]]] = [defaultdict(list) for _ in texts]
    interests = [0] * len(poll.options)
    comments = []
    for voter_key, answers in rows:
        answers = answers or {}
        side = side_label(event, (roles or {}).get(voter_key)) if event else "Other"
        for i, value in enumerate((answers.get("statements") or [])[: len(texts)]):
            if isinstance(value, int) and 0 <= value <= 4:
                counts[i][value] += 1
                if event is not None and roles is not None:
                    per_side[i][side].append([value])
        for i in answers.get("interests") or []:
            if 0 <= i < len(interests):
                interests[i] += 1
        if answers.get("comments"):
            comments.append(str(answers["comments"]))
    hold = withheld(poll, len(rows))
    if hold:
        counts = [[0] * 5 for _ in texts]
        per_side = [defaultdict(list) for _ in texts]
        interests = [0] * len(poll.options)
    statements = [
        Statement(
            text,
            counts[i],
            groups(per_side[i], 5, anonymous=poll.anonymous, order=SIDES),
        )
        for i, text in enumerate(texts)
    ]
    return SurveyResult(
        poll=poll,
        respondents=len(rows),
        statements=statements,
        interests=list(zip(poll.options, interests, strict=True)),
        comments=comments,
        withheld=hold,
    )
