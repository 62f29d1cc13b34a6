"""A command the machine's own config defines, named in the sheet as `config:NAME`.

The workbook can only name a command the person who runs `okr sync` wrote into their config
file: it is run without a shell, with the config's arguments only, and its output's last number
is the source's number. Nothing the sheet holds ever becomes part of a command line."""

from __future__ import annotations

import re
import subprocess

from okrsheet.sources.base import Context, Source, SourceError

_NAME = re.compile(r"^config:(?P<name>[A-Za-z0-9_.-]+)$")
_LAST_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?|[-+]?\.\d+")


class ConfigCommand:
    name = "config"

    def parse(self, text: str) -> Source | None:
        if not text.casefold().startswith("config:"):
            return None
        match = _NAME.match(text)
        if not match:
            raise SourceError("config:NAME names a source of the machine's config by its key")
        return Source(text, self.name, match["name"])

    def locate(self, source: Source, context: Context) -> str:
        return source.document

    def read(self, document: str, context: Context) -> object:
        run = context.config.commands.get(document)
        if run is None:
            raise SourceError(
                f"the machine's config has no [sync.commands.{document}] (docs/sources.md)"
            )
        timeout = context.config.timeout
        try:
            done = subprocess.run(  # noqa: S603 (the config's own argument list, no shell)
                list(run), capture_output=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise SourceError(f"the command took longer than {timeout:g} s") from None
        except OSError as exc:
            raise SourceError(f"the command could not start: {exc.strerror or exc}") from None
        if done.returncode != 0:
            raise SourceError(f"the command exited with status {done.returncode}")
        return done.stdout.decode("utf-8", "replace")

    def number(self, source: Source, document: object) -> float:
        assert isinstance(document, str)
        found = _LAST_NUMBER.findall(document)
        if not found:
            raise SourceError("the command printed no number")
        return float(found[-1].replace(",", ""))


COMMAND = ConfigCommand()
