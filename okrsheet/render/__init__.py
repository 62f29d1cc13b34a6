"""Output: Rich tables for people; JSON, CSV and Markdown for machines."""

from enum import StrEnum


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MD = "md"
