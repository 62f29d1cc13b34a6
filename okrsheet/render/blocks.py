"""A report as blocks of text that reflow to any width: the narrow-terminal, mail and Markdown
layout of every report.

A report becomes a `Doc`: headings, paragraphs and entries. An entry is one item of a report
(a key result, a finding, a check-in): a key (its ID, kept whole), a title (wrapped between
words), facts (short pieces such as `39%`, `at risk`, `$2,635,298 of $3,000,000`, each kept
whole and wrapped between pieces) and an optional note (prose, wrapped between words).

`to_lines` lays a Doc out for a terminal or a mail at a given width: no line is wider, no ID,
number, date or status word is cut or broken, and nothing is elided. `to_markdown` writes the
same Doc as Markdown that also reads as plain text: a bold title, `###` headings and one list
item per entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rich.cells import cell_len
from rich.text import Text

from okrsheet.render.text import md_cell, strip_controls

#: Between facts on a line.
SEP = " · "
#: Narrower than this, lines are laid out as if the screen were this wide.
MIN_WIDTH = 20


@dataclass
class Heading:
    text: str
    level: int = 1  # 1: the report's title; 2: a group (an objective, an owner, a section)
    style: str = "bold"


@dataclass
class Paragraph:
    text: Text


@dataclass
class Entry:
    key: Text
    title: str = ""
    facts: list[Text] = field(default_factory=list)
    note: Text = field(default_factory=Text)
    depth: int = 0
    strong: bool = False  # an objective above its key results: title in bold
    gap: bool = False  # a blank line before it (a new group), unless it comes first
    column: str = ""  # entries with the same column share a key width, so titles line up


Block = Heading | Paragraph | Entry


@dataclass
class Doc:
    blocks: list[Block] = field(default_factory=list)

    def heading(self, text: str, level: int = 1, style: str = "bold") -> None:
        self.blocks.append(Heading(strip_controls(text), level, style))

    def paragraph(self, text: str | Text) -> None:
        shown = Text(strip_controls(text)) if isinstance(text, str) else text
        self.blocks.append(Paragraph(shown))

    def entry(
        self,
        key: str | Text,
        title: str = "",
        facts: list[Text | str] | None = None,
        *,
        note: str | Text = "",
        depth: int = 0,
        strong: bool = False,
        gap: bool = False,
        column: str = "",
    ) -> None:
        shown_key = Text(strip_controls(key)) if isinstance(key, str) else key
        shown_facts = [
            Text(strip_controls(f)) if isinstance(f, str) else f for f in (facts or []) if f
        ]
        self.blocks.append(
            Entry(
                shown_key,
                strip_controls(title),
                shown_facts,
                Text(strip_controls(note)) if isinstance(note, str) else note,
                depth,
                strong,
                gap,
                column,
            )
        )


# --- laying out for a terminal or a mail ---------------------------------------------------


#: A word; a number and its unit written apart (`26 %`) stay together.
_WORD = re.compile(r"\d[\d.,]*\s%|\S+")


def _words(text: str, style: str = "") -> list[Text]:
    return [Text(word, style=style) for word in _WORD.findall(text)]


def _fit(atom: Text, room: int) -> list[Text]:
    """An atom wider than a whole line (a very long word a person typed): cut into line-wide
    pieces, the only case where text is divided."""
    if cell_len(atom.plain) <= room:
        return [atom]
    pieces: list[Text] = []
    start = 0
    plain = atom.plain
    while start < len(plain):
        end = start
        while end < len(plain) and cell_len(plain[start : end + 1]) <= room:
            end += 1
        end = max(end, start + 1)
        pieces.append(atom[start:end])
        start = end
    return pieces


def flow(
    atoms: list[Text], width: int, *, first: Text | None = None, indent: int = 0, sep: str = " "
) -> list[Text]:
    """Lay atoms out in lines of at most `width` cells, breaking only between atoms.

    `first` starts the first line (a key and its gap); continuation lines start with `indent`
    spaces."""
    lines: list[Text] = []
    line = first.copy() if first is not None else Text(" " * indent)
    lead = cell_len(line.plain)
    for atom in atoms:
        for piece in _fit(atom, max(1, width - indent)):
            size = cell_len(piece.plain)
            used = cell_len(line.plain)
            empty = used == lead
            if used + (size if empty else len(sep) + size) > width and (not empty or lead > indent):
                lines.append(line)
                line = Text(" " * indent)
                lead, empty = indent, True
            if not empty:
                line.append(sep)
            line.append_text(piece)
    if cell_len(line.plain) > lead or not lines:
        lines.append(line)
    for done in lines:
        done.rstrip()
    return lines


def to_lines(doc: Doc, width: int) -> list[Text]:
    """The Doc as lines of at most `width` cells (never less than MIN_WIDTH).

    Entries under a group heading are indented by two; entries of one column share a key
    width, so that their titles line up (a very long key does not widen it)."""
    width = max(width, MIN_WIDTH)
    key_widths = _key_widths(doc, width)
    lines: list[Text] = []
    previous: Block | None = None
    group = 0
    for index, block in enumerate(doc.blocks):
        if isinstance(block, Heading):
            if lines and (block.level == 1 or not isinstance(previous, Heading)):
                lines.append(Text(""))
            lines.extend(flow(_words(block.text, block.style), width))
            if block.level == 1:
                lines.append(Text(""))
            group = 0 if block.level == 1 else 2
        elif isinstance(block, Paragraph):
            if isinstance(previous, Entry):
                lines.append(Text(""))
            lines.extend(flow(_split(block.text), width, first=Text(" " * group), indent=group))
        else:
            if block.gap and lines and lines[-1].plain:
                lines.append(Text(""))
            lines.extend(_entry_lines(block, width, key_widths[index], group))
        previous = block
    while lines and not lines[-1].plain:
        lines.pop()
    return lines


def _key_widths(doc: Doc, width: int) -> dict[int, int]:
    """For each entry (by its index), the width of its column of keys."""
    longest: dict[str, int] = {}
    for block in doc.blocks:
        if isinstance(block, Entry):
            size = cell_len(block.key.plain)
            longest[block.column] = max(longest.get(block.column, 0), size)
    return {
        index: min(longest[block.column], width // 4)
        for index, block in enumerate(doc.blocks)
        if isinstance(block, Entry)
    }


def _split(text: Text) -> list[Text]:
    """A Rich Text cut into its words, each keeping its style."""
    atoms: list[Text] = []
    for match in _WORD.finditer(text.plain):
        atoms.append(text[match.start() : match.end()])
    return atoms


def _entry_lines(entry: Entry, width: int, key_width: int, group: int = 0) -> list[Text]:
    indent = group + 2 * entry.depth
    key = entry.key.plain
    hang = indent + (max(key_width, cell_len(key)) + 2 if key else 0)
    if hang > width // 2:
        hang = indent + 4
    lines: list[Text] = []
    first: Text | None = Text(" " * indent)
    if key and indent + cell_len(key) + 2 <= width:
        first = Text(" " * indent) + entry.key + " " * max(2, hang - indent - cell_len(key))
    elif key:  # a key wider than the line (a long name on a narrow screen): lines of its own
        lines = flow(_split(entry.key), width, indent=indent, first=first)
        first = None
    parts: list[tuple[list[Text], str]] = [
        (_words(entry.title, "bold" if entry.strong else ""), " "),
        (entry.facts, SEP),
        (_split(entry.note), " "),
    ]
    for atoms, sep in parts:
        if atoms:
            lines.extend(flow(atoms, width, first=first, indent=hang, sep=sep))
            first = None
    if first is not None:  # a key alone
        first.rstrip()
        lines.append(first)
    return lines


def to_text(doc: Doc, width: int) -> str:
    """The Doc as plain text (no colour), lines of at most `width` cells."""
    return "".join(line.plain + "\n" for line in to_lines(doc, width))


# --- Markdown ------------------------------------------------------------------------------

# A wrapped line must not start something Markdown reads as a block: a list, a heading, a
# quote, a rule or a heading underline, a fence, a table row. Its first mark is escaped.
_BLOCK_MARK = re.compile(r"^(\s*)([-+*#>=_~|`])")
_NUMBERED = re.compile(r"^(\s*)(\d+)([.)])(\s|$)")


def _md_words(text: str) -> list[Text]:
    return [Text(md_cell(word)) for word in _WORD.findall(text)]


def _md_flow(
    atoms: list[Text], width: int, *, first: Text, indent: int, sep: str, opens: bool = False
) -> list[str]:
    """Atoms as Markdown lines; only a line that `opens` a block (a list item, a heading) may
    start with a mark."""
    # One column kept for the backslash that may make a wrapped line's first mark inert.
    lines = [line.plain for line in flow(atoms, width - 1, first=first, indent=indent, sep=sep)]
    return [lines[0] if opens else _inert(lines[0]), *(_inert(line) for line in lines[1:])]


def _inert(line: str) -> str:
    return _NUMBERED.sub(r"\1\2\\\3\4", _BLOCK_MARK.sub(r"\1\\\2", line))


def to_markdown(doc: Doc, width: int = 100) -> str:
    """The Doc as Markdown that reads as plain text in a mail: lines of at most `width`
    characters (a longer word excepted), a bold title, `###` headings, a list item per entry."""
    width = max(width, MIN_WIDTH)
    out: list[str] = []
    previous: Block | None = None
    for block in doc.blocks:
        if isinstance(block, Heading):
            if out and out[-1]:
                out.append("")
            words = _md_words(block.text) or [Text("")]
            if block.level == 1:
                words[0] = Text("**") + words[0]
                words[-1].append("**")
            else:
                words.insert(0, Text("###"))
            out.extend(_md_flow(words, width, first=Text(""), indent=0, sep=" ", opens=True))
            out.append("")
        elif isinstance(block, Paragraph):
            if out and out[-1]:
                out.append("")
            words = _md_words(block.text.plain)
            out.extend(_md_flow(words, width, first=Text(""), indent=0, sep=" "))
        else:
            if isinstance(previous, Paragraph) or (block.gap and out and out[-1]):
                out.append("")
            out.extend(_md_entry(block, width))
        previous = block
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n" if out else ""


def _md_entry(entry: Entry, width: int) -> list[str]:
    indent = "  " * entry.depth
    first = Text(indent + "- ")
    head: list[Text] = []
    if entry.key.plain:
        head.append(Text("**" + md_cell(entry.key.plain) + "**"))
    head.extend(_md_words(entry.title))
    if (entry.facts or entry.note) and head:
        head[-1].append(":")
    lines = _md_flow(head, width, first=first, indent=len(indent) + 2, sep=" ", opens=True)
    # A rendered soft line break is a space: each separator ends its line, so none is lost.
    body = [Text(md_cell(fact.plain)) for fact in entry.facts]
    for index, fact in enumerate(body):
        if index < len(body) - 1 or entry.note:
            fact.append(SEP.rstrip())
    if body:
        lines.extend(
            _md_flow(body, width, first=Text(indent + "  "), indent=len(indent) + 2, sep=" ")
        )
    if entry.note:
        lines.extend(
            _md_flow(
                _md_words(entry.note.plain),
                width,
                first=Text(indent + "  "),
                indent=len(indent) + 2,
                sep=" ",
            )
        )
    return lines
