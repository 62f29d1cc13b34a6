"""A local HTTP server standing in for a Slack or Teams incoming webhook.

It records every POST (path, headers, JSON body) and answers from a script of (status,
headers, body) replies, then `200 ok` as Slack does."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Posted:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Hook:
    port: int
    posts: list[Posted] = field(default_factory=list)
    #: Replies still to give, in order: (status, headers, body).
    replies: list[tuple[int, dict[str, str], str]] = field(default_factory=list)
    #: Seconds to wait before answering (a slow service).
    delay: float = 0.0

    def url(self, scheme: str, path: str = "/services/T0001/B0002/s3cr3tT0k3n") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"


@contextmanager
def webhook_server() -> Iterator[Hook]:
    hook = Hook(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
            size = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(size)
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
            hook.posts.append(Posted(self.path, dict(self.headers.items()), body))
            status, headers, text = hook.replies.pop(0) if hook.replies else (200, {}, "ok")
            time.sleep(hook.delay)
            data = text.encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hook.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
