"""The OKR vocabulary as plain enums, importable without pydantic (the CLI's options use it)."""

from enum import StrEnum


class Level(StrEnum):
    CORPORATE = "corporate"
    TEAM = "team"
    INDIVIDUAL = "individual"


class KRKind(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"
    MILESTONE = "milestone"
    KEEP_ABOVE = "keep above"
    KEEP_BELOW = "keep below"


class Status(StrEnum):
    DONE = "done"
    ON_TRACK = "on track"
    AT_RISK = "at risk"
    OFF_TRACK = "off track"
    OVERDUE = "overdue"
    NOT_STARTED = "not started"
