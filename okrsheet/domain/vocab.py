"""The OKR vocabulary as plain enums, importable without pydantic (the CLI's options use it)."""

from enum import StrEnum

from okrsheet.domain.kinds import Kind


class Level(StrEnum):
    CORPORATE = "corporate"
    TEAM = "team"
    INDIVIDUAL = "individual"


# The kinds of key result are a table of rules (okrsheet/domain/kinds/), not a closed enum.
KRKind = Kind


class Status(StrEnum):
    DONE = "done"
    ON_TRACK = "on track"
    AT_RISK = "at risk"
    OFF_TRACK = "off track"
    OVERDUE = "overdue"
    NOT_STARTED = "not started"


class Commitment(StrEnum):
    """Committed objectives are expected to reach 1.0; aspirational ones stretch, and 0.6-0.7
    is their sweet spot (docs/scoring.md)."""

    COMMITTED = "committed"
    ASPIRATIONAL = "aspirational"


#: What a key result's progress reads while its baseline is measured (Start "baseline").
MEASURING_BASELINE = "measuring the baseline"


class NextCycle(StrEnum):
    """What the owner decided, closing a cycle, for an objective or key result: carry it over
    into the next cycle or drop it (blank: unfinished ones carry over)."""

    CARRY_OVER = "carry over"
    DROP = "drop"
