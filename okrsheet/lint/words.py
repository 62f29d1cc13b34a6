"""Reading a key result's title as words: normalised text, and the word lists the rules use.

Every list is small and explicit so that a finding can name the words that triggered it. Lists
hold every spelling they match (singular and plural, British and American): no stemming, so
nothing matches by accident.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

#: A title cut at a short "Team:" or "Help desk -" label before the key result itself.
_LABEL = re.compile(r"^\s*[^:]{1,30}:\s+(?=\S)")


@functools.lru_cache(maxsize=8192)
def normalise(text: str) -> str:
    """Lower case, every run of characters other than letters, digits, % and : as one space."""
    text = text.casefold().replace("’", "'").replace("'s ", " ")
    return " ".join(re.sub(r"[^a-z0-9%:]+", " ", text).split())


def body(title: str) -> str:
    """The title without a leading label of a few words and a colon ("Help desk: median ...")."""
    match = _LABEL.match(title)
    if match and len(match.group(0).split()) <= 3:
        return title[match.end() :]
    return title


def found(text: str, phrases: tuple[str, ...]) -> list[str]:
    """The phrases that occur in the normalised `text` as whole words, in the order listed."""
    index = _index(phrases)
    hits = {gram for gram in _grams(text) if gram in index}
    return sorted(hits, key=index.__getitem__)


def opening(text: str, phrases: tuple[str, ...]) -> str | None:
    """The longest of the phrases the normalised `text` starts with, if any."""
    index = _index(phrases)
    words = text.split()
    for size in range(min(_LONGEST, len(words)), 0, -1):
        start = " ".join(words[:size])
        if start in index:
            return start
    return None


#: The longest phrase of any list, in words.
_LONGEST = 4


@functools.lru_cache(maxsize=64)
def _index(phrases: tuple[str, ...]) -> dict[str, int]:
    return {phrase: number for number, phrase in reversed(list(enumerate(phrases)))}


@functools.lru_cache(maxsize=8192)
def _grams(text: str) -> frozenset[str]:
    """Every run of 1 to 4 consecutive words of the text."""
    words = text.split()
    return frozenset(
        " ".join(words[start : start + size])
        for size in range(1, _LONGEST + 1)
        for start in range(len(words) - size + 1)
    )


def quoted(words: Iterable[str]) -> str:
    """'launch' and 'webinars', for a message."""
    shown = [f"'{w}'" for w in dict.fromkeys(words)]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def phrases(*groups: str) -> tuple[str, ...]:
    """Groups of comma-separated phrases, normalised (each at most four words)."""
    listed = tuple(normalise(p) for group in groups for p in group.split(",") if p.strip())
    assert all(len(p.split()) <= _LONGEST for p in listed), listed
    return listed


#: Words that name a measure of an outcome: where one appears, the title says what changes.
OUTCOME_TERMS = phrases(
    "rate, rates, ratio, share, percent, percentage, per cent, %, score, scores, index",
    "nps, enps, csat, ces, retention, retained, churn, churned, conversion, converted",
    "revenue, arr, mrr, margin, margins, profit, cost, costs, savings, income, cash flow",
    "satisfaction, satisfied, accuracy, accurate, yield, latency, uptime, availability, downtime",
    "occupancy, utilisation, utilization, defects, defect, incidents, injuries, complaints",
    "readmission, readmissions, attendance, adoption, adopted, active users, growth",
    "time to, wait, waiting, response time, lead time, cycle time, on time, coverage",
    "win rate, passed, passing, pass, error rate, errors, abandonment, abandoned",
    "reopened, resolved on first contact, repeat, returning, renewal, renewals, renewed",
    "within budget, on budget, sla, effectiveness, throughput per, lifetime value, ltv",
    "hold time, handle time, same day, next day, in full",
)

#: Verbs that open a title describing work to do (Google's playbook: consult, help, analyze,
#: participate; and the deliverables and milestones of a project plan).
ACTIVITY_VERBS = phrases(
    "analyse, analyze, assess, assist, attend, audit, begin, build, complete, conduct",
    "configure, consult, coordinate, create, define, deliver, deploy, design, develop",
    "digitise, digitize, distribute, document, draft, establish, evaluate, explore",
    "facilitate, finalise, finalize, finish, help, hire, hold, host, identify, implement",
    "install, integrate, introduce, investigate, kick off, launch, map, meet, migrate",
    "onboard, organise, organize, participate, perform, pilot, plan, post, prepare, produce",
    "publish, rebuild, recruit, redesign, refactor, release, renovate, replace, research",
    "review, revise, rewrite, roll out, run, schedule, send, set up, ship, start, submit",
    "support, train, update, upgrade, visit, write, open, call, email, interview",
    "automate, translate, record, refit, refurbish, relocate, consolidate, standardise",
    "standardize, decommission, retire, sunset, clean up, film, print, purchase, procure",
    "certify, outsource, centralise, centralize, prototype, test, outline, brainstorm",
)

#: Verbs that are nouns too ("Audit findings rated high"): read as a verb only before an article,
#: a number, a quantity or a frequency ("Audit the warehouse", "Post 3 times a week"), or on a
#: milestone.
NOUN_VERBS = phrases(
    "audit, review, post, call, visit, email, plan, map, update, release, design, research",
    "support, help, start, open, run, record, interview, host, draft, document, pilot, train",
    "schedule, test, outline, print, film, launch",
)
VERB_FOLLOWERS = phrases(
    "the, a, an, our, all, every, each, new, two, three, four, five, six, ten, twelve",
    "daily, weekly, monthly, quarterly, yearly, annual, regular, regularly, one, first",
    "their, my, its, this, that, these, those, more, some, any, both, several",
)

#: Counts of work done: meetings held, posts published, visits made.
ACTIVITY_NOUNS = phrases(
    "meeting, meetings, workshop, workshops, webinar, webinars, post, posts, blog posts",
    "article, articles, newsletter, newsletters, call, calls, cold calls, visit, visits",
    "demo, demos, email, emails, emails sent, events held, industry events, trainings",
    "training sessions, presentation, presentations, audit, audits, inspections",
    "reviews held, business reviews, quarterly business reviews",
    "walk, walks, stand ups, standups, 1:1s, one on ones, interviews, campaign, campaigns",
    "promotion, promotions, case studies, case study, battle cards, features, features shipped",
    "releases, story points, tickets closed, tasks, tasks completed, deliverables",
    "pull requests, commits, trade shows, conferences, touchpoints, touches, outreach",
    "lessons delivered, courses delivered, hours of training, parent evenings, site visits",
)

#: Words that promise something better without saying how it is measured.
VAGUE_WORDS = phrases(
    "improve, improved, improving, improvement, better, enhance, enhanced, strengthen",
    "optimise, optimize, optimised, optimized, world class, best in class, excellent",
    "excellence, great, outstanding, seamless, robust, efficient, effective, faster",
    "superior, exceptional, top notch, first class, high quality",
    "maximise, maximize, minimise, minimize, modernise, modernize, transform, elevate",
    "inspire, empower, foster, nurture, streamline, revamp, boost, amplify, reinforce",
    "level up, raise the bar, love",
)

#: Comparatives that promise "more of a good thing" with no measure of it ("leaner operations").
COMPARATIVES = phrases(
    "better, faster, stronger, smoother, leaner, cleaner, happier, friendlier, healthier",
    "safer, simpler, easier, calmer, quicker, smarter, richer, deeper, broader, wider",
    "bigger, greater, clearer, tighter, sharper, smoother, nicer, warmer, more efficient",
    "more effective, more engaged, more productive, more reliable, more visible",
)

#: Abstract things with no natural unit: they need a defined measure (a survey, a scale).
ABSTRACT_NOUNS = phrases(
    "quality, culture, morale, spirit, wellbeing, well being, experience, perception",
    "awareness, relationships, relationship, partnerships, collaboration, communication",
    "coordination, visibility, impact, engagement, trust, resilience, posture, atmosphere",
    "environment, performance, happiness, satisfaction, health, reliability, security",
    "processes, service, care, leadership, reputation, brand, innovation, productivity",
    "reach, presence, technical debt, architecture, operations, hygiene, behaviour, behavior",
    "diversity, storytelling, knowledge, morale, capability, capabilities, maturity",
)

#: Words that define how a thing is measured: a unit in the title, a survey, a scale.
MEASURE_TERMS = phrases(
    "%, percent, percentage, per cent, rate, ratio, share, nps, enps, csat, ces, index",
    "survey, pulse, panel, out of, scale, 1 5, 1 10, 0 10, 1 to 5, 1 to 10, rating, stars",
    "number of, count, per, days, hours, minutes, min, seconds, ms, median, average, mean",
    "p90, p95, p99, percentile, time to, cost, revenue, incidents, defects, errors, tickets",
    "complaints, uptime, latency, hours, weeks, within",
    "accuracy, churn, retention, conversion, margin, yield, occupancy, attendance, turnover",
    "attrition, arr, mrr, profit, lead time, cycle time, throughput, adoption",
)

#: Title words saying a level exists already (a start of 0 is then rarely true).
LEVEL_TERMS = phrases(
    "rate, ratio, score, nps, enps, csat, satisfaction, retention, margin, average, mean",
    "median, accuracy, uptime, availability, conversion, occupancy, utilisation, utilization",
    "attendance, engagement, yield, effectiveness, rating, oee, win rate, on time",
)

#: Title words saying the thing is new this cycle: a start of 0 is then the truth.
NEW_TERMS = phrases("new, newly, launch, launched, pilot, since launch")
