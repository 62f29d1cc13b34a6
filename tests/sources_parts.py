"""Real parts for the source tests: workbooks saved by LibreOffice, a local HTTP server with its
own slow, failing and hanging answers, and the machine's config file."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pytest

#: A cell of a LibreOffice source: a number, a text, or a formula (`=SUM([.B1:.B2])`).
Cell = float | int | str | None


def _cell(value: Cell) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, str) and value.startswith("="):
        return f"<table:table-cell table:formula={quoteattr('of:' + value)}/>"
    if isinstance(value, str):
        return (
            '<table:table-cell office:value-type="string">'
            f"<text:p>{escape(value)}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell office:value-type="float" office:value="{value}">'
        f"<text:p>{value}</text:p></table:table-cell>"
    )


def fods(tabs: Mapping[str, Sequence[Sequence[Cell]]]) -> str:
    """A flat OpenDocument spreadsheet with these tabs, for LibreOffice to open."""
    body = "".join(
        f"<table:table table:name={quoteattr(title)}>"
        + "".join(
            "<table:table-row>" + "".join(_cell(v) for v in row) + "</table:table-row>"
            for row in rows
        )
        + "</table:table>"
        for title, rows in tabs.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2" office:version="1.2" '
        'office:mimetype="application/vnd.oasis.opendocument.spreadsheet">'
        f"<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body>"
        "</office:document>"
    )


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required in CI to write the source workbooks")
        pytest.skip("LibreOffice (soffice) is not installed")
    return found


def libreoffice_books(
    folder: Path, books: Mapping[str, Mapping[str, Sequence[Sequence[Cell]]]]
) -> dict[str, bytes]:
    """Each book (name -> tabs) saved as .xlsx by LibreOffice, in one run; name -> bytes."""
    program = soffice()
    sources = []
    for name, tabs in books.items():
        path = folder / f"{name}.fods"
        path.write_text(fods(tabs), encoding="utf-8")
        sources.append(str(path))
    subprocess.run(
        [program, "--headless", f"-env:UserInstallation=file://{folder}/profile",
         "--convert-to", "xlsx", "--outdir", str(folder / "out"), *sources],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return {name: (folder / "out" / f"{name}.xlsx").read_bytes() for name in books}


@dataclass
class Answer:
    body: bytes
    status: int = 200
    delay: float = 0.0
    content_type: str = "text/plain"
    #: A header the request must carry (name, value), else 401.
    needs: tuple[str, str] | None = None


@dataclass
class Server:
    """A local HTTP server whose answers a test sets by path; it counts every request."""

    port: int
    answers: dict[str, Answer] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    headers: list[dict[str, str]] = field(default_factory=list)
    #: The most requests that were being answered at once.
    most_at_once: int = 0
    at_once: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def reset(self) -> None:
        self.answers.clear()
        self.hits.clear()
        self.headers.clear()
        self.most_at_once = 0


def serve() -> Iterator[Server]:
    server_box: list[Server] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server protocol)
            state = server_box[0]
            path = self.path.split("?", 1)[0]
            state.hits[path] += 1
            state.headers.append(dict(self.headers.items()))
            answer = state.answers.get(path, Answer(b"not found", 404))
            with state.lock:
                state.at_once += 1
                state.most_at_once = max(state.most_at_once, state.at_once)
            try:
                if answer.delay:
                    time.sleep(answer.delay)
            finally:
                with state.lock:
                    state.at_once -= 1
            status = answer.status
            if answer.needs is not None and self.headers.get(answer.needs[0]) != answer.needs[1]:
                status = 401
            try:
                self.send_response(status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting: a timeout

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server_box.append(Server(httpd.server_address[1]))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_box[0]
    finally:
        httpd.shutdown()
        httpd.server_close()


def write_config(path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The machine's config for `okr sync`, found through OKR_CONFIG."""
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("OKR_CONFIG", str(path))
    return path
