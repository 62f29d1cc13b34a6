"""`dir:PATH`: one `.eml` file per message in a folder, to send by hand or with `sendmail -t`.

What `okr remind --out DIR` writes. Each file is the complete e-mail (headers, text and HTML
parts) the SMTP channel would send; its name is the recipient's address. The folder is made if
missing (not its parents); a file is written whole or not at all (temporary file, then rename),
readable only by its owner since a reminder carries a reply token.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from email.policy import default
from pathlib import Path

from okrsheet.delivery import CHANNELS, Delivered, Message
from okrsheet.delivery.mime import bare_address, to_email
from okrsheet.errors import BackendError, UsageError

#: The sender of written messages when none is given (`dir:PATH?from=okr@acme.com`).
DEFAULT_SENDER = "okr@localhost"


def file_stem(address: str) -> str:
    """A safe file name for a recipient (`ana.lima@acme.com`)."""
    stem = re.sub(r"[^A-Za-z0-9@._+-]+", "_", bare_address(address)).strip("._")
    return stem[:120] or "message"


@dataclass(frozen=True)
class DirectoryChannel:
    folder: Path
    sender: str = DEFAULT_SENDER

    @classmethod
    def from_url(cls, url: str, *, option: str = "--out") -> DirectoryChannel:
        rest = url.split(":", 1)[1] if ":" in url else ""
        path, _, query = rest.partition("?")
        sender = DEFAULT_SENDER
        if query:
            key, _, value = query.partition("=")
            if key != "from" or not value:
                raise UsageError(f"unknown option {query!r} in {url}", option=option)
            sender = value
        if not path:
            raise UsageError("dir: needs a folder, e.g. dir:outbox", option=option)
        return cls(Path(path), sender)

    def describe(self) -> str:
        return f"dir:{self.folder}"

    def send(self, messages: Sequence[Message]) -> list[Delivered]:
        if not messages:
            return []
        try:
            if not self.folder.exists():
                self.folder.mkdir()
            if not self.folder.is_dir():
                raise BackendError(f"{self.folder} is not a folder")
        except OSError as exc:
            raise BackendError(f"cannot make the folder {self.folder}: {exc.strerror}") from None
        delivered: list[Delivered] = []
        used: set[str] = set()
        for message in messages:
            stem = file_stem(message.to)
            name, n = f"{stem}.eml", 1
            while name in used:
                n += 1
                name = f"{stem}-{n}.eml"
            used.add(name)
            mail = to_email(message, sender=self.sender)
            data = mail.as_bytes(policy=default)
            self._write(self.folder / name, data)
            delivered.append(Delivered(message, str(mail["Message-ID"])))
        return delivered

    def _write(self, target: Path, data: bytes) -> None:
        try:
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".okr-", suffix=".eml.tmp")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise BackendError(f"cannot write {target}: {exc.strerror or exc}") from None


def _factory(url: str) -> DirectoryChannel:
    return DirectoryChannel.from_url(url)


CHANNELS["dir"] = _factory
