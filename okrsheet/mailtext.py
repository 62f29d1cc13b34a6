"""A received e-mail's text as a person reads it: the plain part, or the HTML part turned into
lines (Outlook sends HTML only), with quoted parts marked by `> ` as mail programs show them.

The standard library's html.parser does the HTML: block elements end lines, `<br>` breaks one,
`<blockquote>` quotes what is inside it, `<pre>` keeps its lines, scripts and styles are
dropped, table cells are set apart by a space.
"""

from __future__ import annotations

import re
from email.message import EmailMessage, Message
from html.parser import HTMLParser

#: Elements that start and end a line of their own.
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt",
        "fieldset", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot",
        "th", "thead", "tr", "ul",
    }
)  # fmt: skip
_SKIP = frozenset({"script", "style", "head", "title", "template"})
_CELLS = frozenset({"td", "th"})


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.line: list[str] = []
        self.depth = 0  # blockquotes
        self.pre = 0
        self.skip = 0
        self.cell_started = False

    def _flush(self) -> None:
        text = "".join(self.line)
        if not self.pre:
            text = " ".join(text.split())
        if text.strip() or self.line:
            self.lines.append(("> " * self.depth) + text if text.strip() else "> " * self.depth)
        self.line = []

    def _break(self) -> None:
        if self.line:
            self._flush()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
            return
        if tag in _CELLS:
            if self.line and self.cell_started:
                self.line.append("  ")
            self.cell_started = True
            return
        if tag == "br":
            self._flush()
            return
        if tag in _BLOCKS:
            self._break()
        if tag == "tr":
            self.cell_started = False
        if tag == "hr":
            self.lines.append(("> " * self.depth) + "_" * 32)
        if tag == "blockquote":
            self.depth += 1
        if tag == "pre":
            self.pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if tag in _CELLS:
            return
        if tag in _BLOCKS:
            self._break()
        if tag == "blockquote":
            self.depth = max(0, self.depth - 1)
        if tag == "pre":
            self.pre = max(0, self.pre - 1)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "hr"):
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            parts = data.split("\n")
            for index, part in enumerate(parts):
                if index:
                    self._flush()
                self.line.append(part)
            return
        self.line.append(data.replace("\xa0", " "))


def html_to_text(page: str) -> str:
    """The lines a person sees in an HTML mail, quotes marked with `> `."""
    parser = _Text()
    parser.feed(page)
    parser.close()
    parser._break()
    text = "\n".join(line.rstrip() for line in parser.lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"


def body_text(mail: Message) -> str:
    """The text of a mail: its plain part, else its HTML part as text, else empty."""
    if isinstance(mail, EmailMessage):
        plain = mail.get_body(("plain",))
        if plain is not None:
            return _unflowed(plain, _decoded(plain))
        page = mail.get_body(("html",))
        if page is not None:
            return html_to_text(_decoded(page))
        return ""
    for part in mail.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            return _unflowed(part, _decoded(part))
    for part in mail.walk():
        if part.get_content_type() == "text/html" and not part.get_filename():
            return html_to_text(_decoded(part))
    return ""


def _decoded(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        text = payload.decode(charset, errors="replace")
    except LookupError:
        text = payload.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _unflowed(part: Message, text: str) -> str:
    """`format=flowed` text (RFC 3676, as Apple Mail sends) with its soft line breaks joined:
    a line ending in a space goes on with the next line of the same quote depth."""
    if str(part.get_param("format", "", header="content-type")).casefold() != "flowed":
        return text
    delsp = str(part.get_param("delsp", "", header="content-type")).casefold() == "yes"
    out: list[str] = []
    pending: tuple[str, str] | None = None  # (quote marks, text so far)
    for raw in text.split("\n"):
        marks = re.match(r"^>*", raw)
        quote = marks.group(0) if marks else ""
        line = raw[len(quote) :]
        if line.startswith(" "):  # space-stuffing
            line = line[1:]
        if pending is not None and pending[0] == quote:
            line = pending[1] + line
        elif pending is not None:
            out.append(_quoted(*pending))
        pending = None
        if line.endswith(" ") and line != "-- ":
            pending = (quote, line[:-1] if delsp else line)
            continue
        out.append(_quoted(quote, line))
    if pending is not None:
        out.append(_quoted(*pending))
    return "\n".join(out)


def _quoted(quote: str, line: str) -> str:
    return f"{'> ' * len(quote)}{line}" if quote else line
