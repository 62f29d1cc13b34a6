"""The labelled key results (kr_corpus.csv, kr_holdout.csv) read as lint subjects, and the
figures a rule set reaches on them."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from okrsheet.domain.kinds import from_word
from okrsheet.lint import Note, Subject, lint

HERE = Path(__file__).parent
#: Written before the rules; the rules were tuned on it.
CORPUS = HERE / "kr_corpus.csv"
#: Written after the rules, and not used to tune them.
HOLDOUT = HERE / "kr_holdout.csv"
#: Written after the second version of the rules (tuned on both sets above), never tuned on.
HOLDOUT2 = HERE / "kr_holdout2.csv"
LABELS = ("good", "activity", "vague", "status-quo", "no-baseline")


@dataclass(frozen=True)
class Labelled:
    label: str
    org: str
    subject: Subject


@dataclass
class Figures:
    """Per label: how many items, and how many were flagged by their own code (good: by any)."""

    total: Counter[str] = field(default_factory=Counter)
    hit: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[str, str]] = field(default_factory=list)
    false_alarms: list[tuple[str, list[Note]]] = field(default_factory=list)

    def share(self, label: str) -> float:
        return self.hit[label] / self.total[label]


def read(path: Path) -> list[Labelled]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    items = []
    for number, row in enumerate(rows, start=2):
        kind = from_word(row["kind"]) if row["kind"] else None
        if row["label"] not in LABELS or (row["kind"] and kind is None):
            raise ValueError(f"{path.name}:{number}: bad label or kind")
        subject = Subject(
            id=f"{path.stem}:{number}",
            title=row["title"],
            start=float(row["start"]),
            target=float(row["target"]),
            unit=row["unit"],
            typed_kind=kind,
        )
        items.append(Labelled(row["label"], row["org"], subject))
    return items


def measure(items: list[Labelled]) -> Figures:
    notes: dict[str, list[Note]] = {}
    for note in lint([item.subject for item in items]):
        notes.setdefault(note.item_id, []).append(note)
    figures = Figures()
    for item in items:
        found = notes.get(item.subject.id, [])
        figures.total[item.label] += 1
        if item.label == "good":
            if found:
                figures.hit["good"] += 1
                figures.false_alarms.append((item.subject.title, found))
        elif item.label in {n.code for n in found}:
            figures.hit[item.label] += 1
        else:
            figures.misses.append((item.label, item.subject.title))
    return figures


if __name__ == "__main__":  # prints the figures docs/lint.md quotes
    for path in (CORPUS, HOLDOUT, HOLDOUT2):
        figures = measure(read(path))
        print(f"{path.name}: {sum(figures.total.values())} key results")
        for label in LABELS:
            print(
                f"  {label:12} {figures.hit[label]:3} of {figures.total[label]:3} flagged "
                f"({figures.share(label):.0%})"
            )
        for label, title in figures.misses:
            print(f"  missed {label}: {title}")
        for title, found in figures.false_alarms:
            print(f"  false alarm: {title}: {'; '.join(n.code + ' ' + n.message for n in found)}")
