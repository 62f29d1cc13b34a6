"""`activity`: the key result describes work done, not a change in an outcome.

Two signs, each named in the message: the title opens with a verb of work ("launch", "hold",
"migrate", "help") or counts things done ("visits", "webinars", "posts"). Either is cleared when
the title also names a measure of an outcome ("conversion", "on time", "rate"): "Run the plant
at 85% OEE effectiveness" is an outcome, "Run 6 webinars" is not. A count of things done is
cleared too when its unit is a percentage, money or time ("Calls abandoned", in %), or names
something else that is counted ("New donors recruited through the street campaign", in donors),
or when the key result asks for fewer of them ("Calls to the help desk per customer", down).
"""

from __future__ import annotations

from collections.abc import Iterator

from okrsheet.domain.kinds import Kind
from okrsheet.lint.base import History, Note, Rule, Subject
from okrsheet.lint.words import (
    ACTIVITY_NOUNS,
    ACTIVITY_VERBS,
    NOUN_VERBS,
    OUTCOME_TERMS,
    VERB_FOLLOWERS,
    body,
    found,
    normalise,
    opening,
    phrases,
    quoted,
)

#: Units that measure an outcome rather than count things done.
_OUTCOME_UNITS = frozenset(
    {"%", "$", "€", "£", "¥", "₹", "days", "day", "hours", "h", "min", "minutes", "ms", "s"}
)

#: What to measure instead, by the word that gave the activity away (the first row that has it).
_INSTEAD: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        phrases("launch, ship, release, open, roll out, deploy, pilot"),
        "measure what the launch should change: adoption, conversion, revenue or time saved",
    ),
    (
        phrases(
            "migrate, upgrade, replace, refactor, rewrite, rebuild, install, implement, integrate",
            "configure, digitise, digitize, set up, automate, refit, refurbish, relocate",
        ),
        "measure what the change buys: cost, incidents, speed or errors before and after",
    ),
    (
        phrases(
            "train, trainings, training sessions, workshop, workshops, hours of training",
            "lessons delivered, courses delivered",
        ),
        "measure what the training changes: errors, pass rates or outcomes of the people trained",
    ),  # fmt: skip
    (
        phrases(
            "post, posts, blog posts, article, articles, newsletter, newsletters, publish",
            "write, webinar, webinars, campaign, campaigns, case studies, case study",
            "promotion, promotions",
        ),
        "measure the audience's response: qualified leads, signups, sales or reach that converts",
    ),  # fmt: skip
    (
        phrases(
            "meeting, meetings, event, events, session, sessions, stand ups, standups",
            "1:1s, one on ones, hold, host, organise, organize, conduct, attend",
            "participate, conferences, trade shows",
        ),
        "measure what the meetings or events are for: the incidents, delays, decisions or "
        "sign-ups they should change",
    ),  # fmt: skip
    (
        phrases(
            "visit, visits, call, calls, cold calls, demo, demos, email, emails",
            "emails sent, touches, touchpoints, outreach, site visits",
        ),
        "measure what the contacts produce: pipeline, conversion, orders or retained customers",
    ),  # fmt: skip
    (
        phrases("hire, recruit, onboard, interview, interviews"),
        "measure what the people bring: vacancy rate, coverage, time to fill or output per team",
    ),
    (
        phrases(
            "features, features shipped, releases, story points, tasks, tasks completed",
            "deliverables, pull requests, commits, tickets closed",
        ),
        "measure what the work changes for users: usage, retention, speed or errors",
    ),  # fmt: skip
    (
        phrases(
            "analyse, analyze, research, investigate, explore, assess, evaluate, review",
            "audit, audits, reviews, identify, map",
        ),
        "measure the decision or change the analysis should lead to, not the analysis itself",
    ),  # fmt: skip
)
_DEFAULT_INSTEAD = (
    "measure the change in an outcome this work should cause, from a start to a target"
)


def check(subject: Subject, history: History) -> Iterator[Note]:
    text = normalise(body(subject.title))
    if found(text, OUTCOME_TERMS):
        return
    words = text.split()
    verb = opening(text, ACTIVITY_VERBS)
    if verb in NOUN_VERBS and subject.kind is not Kind.MILESTONE:
        after = words[len(verb.split()) : len(verb.split()) + 1]
        if not after or not (after[0] in VERB_FOLLOWERS or after[0][:1].isdigit()):
            verb = None  # "Audit findings rated high": a noun here
    unit = subject.unit.strip().casefold()
    # Fewer calls or meetings is a saving, an outcome: only more of them is effort.
    fewer = subject.kind in (Kind.DECREASE, Kind.KEEP_BELOW)
    nouns = [] if unit in _OUTCOME_UNITS or fewer else found(text, ACTIVITY_NOUNS)
    if unit:  # the unit says what is counted: a count of donors is not a count of campaigns
        counted = set(normalise(unit).split())
        nouns = [n for n in nouns if counted & set(n.split())]
    # A phrase and the shorter ones inside it ("blog posts", "posts"): name the longest.
    nouns = [n for n in nouns if not any(n != m and f" {n} " in f" {m} " for m in nouns)]
    if verb is None and not nouns:
        return
    triggers = ([verb] if verb else []) + nouns
    what = (
        f"opens with {quoted([verb])}" + (f" and counts {quoted(nouns)}" if nouns else "")
        if verb
        else f"counts {quoted(nouns)}"
    )
    instead = next(
        (advice for words_, advice in _INSTEAD if any(t in words_ for t in triggers)),
        _DEFAULT_INSTEAD,
    )
    yield Note(
        "activity",
        subject.id,
        "title",
        f"describes work done, not an outcome: it {what}",
        instead,
    )


RULE = Rule(
    "activity",
    "The key result is work to do (a task, a deliverable, a count of things done), not a "
    "change in an outcome.",
    check=check,
    text_only=True,
)
