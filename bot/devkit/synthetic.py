"""Synthetic events for drills, tests and benchmarks (N participants, a pre-event poll opening
now; polls live in parallel rooms), and what simulated people do in a rehearsal: which breakouts
they choose, and the words they type, by the kind of question."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.agenda.service import Round, rounds
from bot.event import Event, Person


def fanout_event(folder: Path, participants: int, *, opens: datetime | None = None) -> Path:
    """Write an event whose pre-event poll opens at `opens` (default: this minute); return its path.

    Person i has roster id p00000i and email p00000i@fan.example.org; the one
    organizer is `org` (org@fan.example.org).
    """
    opens = (opens or datetime.now(UTC)).astimezone(UTC)
    today, tomorrow = opens.date(), (opens + timedelta(days=1)).date()
    lines = ["id,name,email,slack_id,team,role", "org,Olga Organizer,org@fan.example.org,,,other"]
    lines += [f"p{i:06d},Person {i},p{i:06d}@fan.example.org,,t1,other" for i in range(participants)]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "roster.csv").write_text("\n".join(lines) + "\n")
    (folder / "event.yaml").write_text(f"""\
event: {{name: Fan-out drill, timezone: UTC, days: [{today}, {tomorrow}]}}
teams: [{{id: t1, name: Team One}}]
roster: roster.csv
organizers: [org]
sessions:
  - {{id: s1, title: Opening, day: {tomorrow}, start: "09:00", end: "10:00", kind: plenary}}
polls:
  - id: hello
    question: What brings you here?
    kind: open_text
    pre_event: {{opens: "{opens:%Y-%m-%d %H:%M}", closes: "{tomorrow} 08:00"}}
""")
    return folder / "event.yaml"


def sandbox_users(participants: int) -> list[tuple[str, str]]:
    """(Slack user id, email) for the organizer and every participant of `fanout_event`."""
    return [("UORG", "org@fan.example.org")] + [
        (f"UP{i:06d}", f"p{i:06d}@fan.example.org") for i in range(participants)
    ]


def voter_id(i: int) -> str:
    """The Slack user id of voter i of `live_polls_event`."""
    return f"UV{i:07d}"


def live_polls_event(folder: Path, polls: list[tuple[str, str]], voters: int) -> Path:
    """Write an event with one session per (poll id, channel), all at the same time, each poll a
    five-option single choice, and `voters` people (ids v00000i, Slack ids `voter_id(i)`); the one
    organizer is `host` (UHOST). Return its path."""
    lines = ["id,name,email,slack_id,team,role", "host,Harper Host,host@votes.example.org,UHOST,,other"]
    lines += [f"v{i:05d},Voter {i},v{i:05d}@votes.example.org,{voter_id(i)},t1,other" for i in range(voters)]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "roster.csv").write_text("\n".join(lines) + "\n")
    kind = "plenary" if len(polls) == 1 else "breakout"
    channels = ", ".join(f"{channel.replace('-', '_')}: {channel}" for _, channel in polls)
    sessions = "".join(
        f'  - {{id: s{k}, title: Session {k}, day: 2030-01-01, start: "09:00", end: "10:00", kind: {kind},\n'
        f"     channel: {channel}, reminders: []}}\n"
        for k, (_, channel) in enumerate(polls, 1)
    )
    questions = "".join(
        f"  - {{id: {poll_id}, question: Which option?, kind: single_choice,\n"
        f"     options: [One, Two, Three, Four, Five], session: s{k}}}\n"
        for k, (poll_id, _) in enumerate(polls, 1)
    )
    (folder / "event.yaml").write_text(
        "event: {name: Vote burst, timezone: UTC, days: [2030-01-01]}\n"
        "teams: [{id: t1, name: Team One}]\n"
        "roster: roster.csv\n"
        "organizers: [host]\n"
        f"channels: {{{channels}}}\n"
        "summaries: {after_session_minutes: null, digest_after_minutes: null}\n"
        f"sessions:\n{sessions}polls:\n{questions}"
    )
    return folder / "event.yaml"


# ------------------------------------------------------------------ simulated people's words
#
# Rehearsals write what people type from these lists, by the kind of question asked, so that
# word clouds, summaries and the report read like an event's: varied, never a team's name.
# Each text is a combination of an opening, a core and an ending drawn with the caller's
# random generator, so one seed always writes the same words.


@dataclass(frozen=True)
class Phrases:
    """The parts one kind of text is made of: opening + core + ending."""

    openings: tuple[str, ...]
    cores: tuple[str, ...]
    endings: tuple[str, ...] = ()  # one in three texts has one, so no ending fills a word cloud
    end: str = ""  # after every text ("?" for questions)

    def draw(self, rnd: random.Random) -> str:
        opening, core = rnd.choice(self.openings), rnd.choice(self.cores)
        ending = rnd.choice(self.endings) if self.endings and rnd.random() < 1 / 3 else ""
        text = f"{opening}{core}{ending}{self.end}"
        return text[:1].upper() + text[1:]


TEXTS: dict[str, Phrases] = {
    # "What are you most looking forward to?", "What do you most want from the summit?"
    "expectations": Phrases(
        openings=(
            "learning ",
            "hearing ",
            "seeing ",
            "finding out ",
            "understanding ",
            "getting ideas on ",
            "talking with peers about ",
            "",
            "ideas on ",
        ),
        cores=(
            "how other districts build trust between labor and management",
            "what peer assistance and review looks like in practice",
            "ways to bring classified staff into decisions",
            "how partners handle budget cuts together",
            "how a partnership survives leadership changes",
            "tools for shared decision making at school sites",
            "how LCAP goals can be set together",
            "what teacher leadership looks like in a union school",
            "how to start when relationships are strained",
            "the research on collaboration and student achievement",
            "how unions and the board can agree on priorities",
            "what a teacher-powered school can look like",
            "how the Massachusetts partnership got started",
            "ways to keep everyone informed between meetings",
        ),
        endings=(
            " with our whole team",
            " from colleagues who have done it",
            ", and taking it home",
            " for our students",
            " as a new team",
        ),
    ),
    # "What would help classified employees become full partners?", "How can we support you?"
    "needs": Phrases(
        openings=("", "", "having ", "getting ", "above all, "),
        cores=(
            "a seat at the table when budgets are set",
            "training alongside teachers and administrators",
            "meetings with the superintendent and board",
            "release time to serve on committees",
            "recognition of the work classified staff do for students",
            "invitations before decisions are made, not after",
            "a voice on every school site council",
            "shared data on staffing and workload",
        ),
        endings=(" for every bargaining unit", ", written into policy", " from the first meeting"),
    ),
    # "What is the first step your team will take?", "What do you hope to take home?"
    "next_steps": Phrases(
        openings=("schedule ", "set up ", "plan ", "hold ", "start ", "agree on "),
        cores=(
            "a monthly meeting of our labor-management team",
            "a listening tour of school sites",
            "a retreat with the board and both unions",
            "a review of contract language on collaboration",
            "common goals for our LCAP",
            "a joint message to all staff about what we learned",
            "a pilot of peer assistance and review",
            "ground rules for how we disagree",
        ),
        endings=(" this month", " before school starts", " within thirty days", " and report back"),
    ),
    # "Anything else you would like the organizers to know?"
    "comments": Phrases(
        openings=("", "thank you for ", "we valued ", "we would like more of ", "please keep "),
        cores=(
            "time for teams to plan together",
            "the role-alike conversations",
            "examples from small and rural districts",
            "practical tools we can use on Monday",
            "stories from classified partners",
            "follow-up between convenings",
            "the panels with district teams",
        ),
        endings=(".", ", it made a difference", " for new teams"),
    ),
    # anything else: how people reflect on a session
    "reflection": Phrases(
        openings=("", "I noticed ", "we saw ", "it struck me "),
        cores=(
            "how much trust matters before any agreement",
            "that students benefit when adults work together",
            "that collaboration takes time and structure",
            "how classified staff change the conversation",
            "that data helps partners agree on priorities",
            "that the board has a role in sustaining it",
        ),
        endings=(" in every district", " across roles"),
    ),
}
# How a question is recognised, in order: the first kind whose words it holds.
TEXT_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("comments", ("anything else", "comment", "organizers to know", "feedback")),
    ("next_steps", ("first step", "next step", "take home", "when you get home", "will you", "will your")),
    ("needs", ("what would help", "support", "need", "help")),
    ("expectations", ("looking forward", "want from", "expect", "hope", "brings you")),
)
HEADLINE = Phrases(
    openings=(
        "partners ",
        "teachers, staff and board ",
        "labor and management ",
        "unions and district leaders ",
        "classified staff and teachers ",
        "school site teams ",
        "superintendent and union presidents ",
    ),
    cores=(
        "lift graduation to 95 percent",
        "co-design the budget, and students win",
        "build a culture of trust",
        "bring every voice to school decisions",
        "turn conflict into collaboration",
        "close the achievement gap",
        "keep great teachers in every classroom",
        "open new career pathways for students",
        "make every school a place families choose",
        "settle a contract in record time",
    ),
    endings=(" by 2020", ", state takes note", " for the tenth year", ", a model for the state"),
)
QUESTION = Phrases(
    openings=(
        "how did you ",
        "what helped you ",
        "how do you ",
        "what would you tell a team that wants to ",
        "how can the co-sponsors help districts ",
        "what was hardest when you tried to ",
    ),
    cores=(
        "build trust after a difficult strike",
        "bring classified employees into the partnership",
        "keep the partnership going through a change of superintendent",
        "involve the school board from the start",
        "share budget information openly",
        "turn collaboration into results for students",
        "handle disagreement without losing the relationship",
        "write collaboration into the contract",
    ),
    endings=(" in your first year", " with limited funding", " in a small district", " as a new team"),
    end="?",
)


def text_kind(question: str) -> str:
    """The kind of answer a question asks for ("expectations", "needs", "next_steps",
    "comments", or "reflection" for any other)."""
    words = question.lower()
    return next((kind for kind, keys in TEXT_KINDS if any(k in words for k in keys)), "reflection")


def open_answer(question: str, rnd: random.Random) -> str:
    """A participant's free-text answer to `question`, in words that suit it."""
    return TEXTS[text_kind(question)].draw(rnd)


def headline_text(rnd: random.Random) -> str:
    """A team's vision headline: its future success in a sentence, naming no team."""
    return HEADLINE.draw(rnd)[:150]


def audience_question(rnd: random.Random) -> str:
    """A question someone in the audience asks a panel."""
    return QUESTION.draw(rnd)[:300]


def chance(seed: object, *parts: object) -> random.Random:
    """A random generator for one decision ("does p00012 answer poll x?"), the same for the
    same seed and parts whatever else is drawn, and in whatever order."""
    return random.Random(":".join(str(p) for p in (seed, *parts)))


# ------------------------------------------------------------------ breakout choices

# How a team splits up for its breakouts, and how often (weights). "pairs": two by two, each
# pair to a breakout no teammate has been to; "alone": one pair splits, so two go alone;
# "together": the whole team to one breakout; "repeat": after the first round, a pair goes to
# a breakout a teammate already saw, leaving one the team could have covered uncovered.
TEAM_STYLES = {"pairs": 70, "alone": 12, "together": 8, "repeat": 10}
NEVER_CHOOSES = 0.05  # a person who comes without choosing (they get no breakout reminder)
CHANGES_MIND = 0.06  # a person who picks one breakout, then changes to another


@dataclass(frozen=True)
class BreakoutChoice:
    """One person's breakout for one round, and when they choose it on the Home tab."""

    person: str
    session: str
    round: str  # the round's key, as the Home tab's select names it
    at: datetime
    first: str | None = None  # a breakout they choose first (at `first_at`) and change from
    first_at: datetime | None = None


def breakout_choices(event: Event, seed: object) -> list[BreakoutChoice]:
    """Who chooses which breakout, the way teams did at the model event: members go in pairs so
    that the team covers as many different breakouts as it can (four over two rounds, for a
    team of four); some teams split a pair, some go together, some leave a breakout uncovered;
    a few people never choose and a few change their mind. The same for the same seed."""
    titles = sorted({s.title for r in rounds(event) for s in r.sessions})
    popular = {t: chance(seed, "popularity", t).uniform(0.4, 2.0) for t in titles}
    teams: dict[str, list[Person]] = {}
    for person in sorted(event.people.values(), key=lambda p: p.id):
        if person.team:
            teams.setdefault(person.team, []).append(person)
    choices: list[BreakoutChoice] = []
    for team_id, members in sorted(teams.items()):
        rnd = chance(seed, "breakouts", team_id)
        style = rnd.choices(list(TEAM_STYLES), weights=list(TEAM_STYLES.values()))[0]
        theirs = {p.id: {r.key: r for r in rounds(event, p)} for p in members}
        keys = sorted({key for own in theirs.values() for key in own})
        seen: set[str] = set()
        for n, key in enumerate(keys):
            here = [p for p in members if key in theirs[p.id]]
            rnd.shuffle(here)
            for g, group in enumerate(_groups(here, style, rnd)):
                options = [
                    s
                    for s in theirs[group[0].id][key].sessions
                    if all(s.id in {o.id for o in theirs[p.id][key].sessions} for p in group)
                ]
                if not options:
                    continue
                fresh = [s for s in options if s.title not in seen]
                again = [s for s in options if s.title in seen]
                pool = again if style == "repeat" and n > 0 and g == 0 and again else (fresh or options)
                pick = rnd.choices(pool, weights=[popular[s.title] for s in pool])[0]
                seen.add(pick.title)
                for person in group:
                    choice = _person_choice(seed, person, theirs[person.id][key], pick.id)
                    if choice is not None:
                        choices.append(choice)
    return choices


def _groups(members: list[Person], style: str, rnd: random.Random) -> list[list[Person]]:
    """How a team's members go to one round's breakouts."""
    if style == "together":
        return [members] if members else []
    groups = [members[i : i + 2] for i in range(0, len(members), 2)]
    pairs = [i for i, group in enumerate(groups) if len(group) == 2]
    if style == "alone" and pairs:
        split = groups.pop(rnd.choice(pairs))
        groups += [[split[0]], [split[1]]]
    return groups


def _person_choice(seed: object, person: Person, round_: Round, session: str) -> BreakoutChoice | None:
    rnd = chance(seed, "breakout", person.id, round_.key)
    if rnd.random() < NEVER_CHOOSES:
        return None
    # Most choose in the hours before the round; some the evening before.
    ahead = rnd.uniform(13 * 60, 17 * 60) if rnd.random() < 0.15 else rnd.uniform(12, 150)
    at = round_.start - timedelta(minutes=ahead)
    others = [s.id for s in round_.sessions if s.id != session]
    if others and rnd.random() < CHANGES_MIND:
        return BreakoutChoice(
            person.id,
            session,
            round_.key,
            at,
            first=rnd.choice(others),
            first_at=at - timedelta(minutes=rnd.uniform(5, 120)),
        )
    return BreakoutChoice(person.id, session, round_.key, at)
