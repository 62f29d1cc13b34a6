"""Where messages go: a URL from the command line, the environment or ./okr.toml.

Never from the workbook: whoever can edit a spreadsheet must not be able to redirect mail or
read a password there. `okr.toml` holds `mail_url = "smtp://..."` (or `mailbox_url` for the
replies `okr checkin --from-imap` fetches), next to `workbook`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from okrsheet.errors import UsageError

ENV_MAIL_URL = "OKR_MAIL_URL"
ENV_MAILBOX_URL = "OKR_MAILBOX_URL"
CONFIG_FILE = "okr.toml"


def configured_url(
    given: str | None,
    *,
    env: str,
    key: str,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> str | None:
    """`given`, else $`env`, else `key` in ./okr.toml, else None."""
    environ = os.environ if environ is None else environ
    if given and given.strip():
        return given.strip()
    if environ.get(env, "").strip():
        return environ[env].strip()
    config = (cwd or Path.cwd()) / CONFIG_FILE
    if not config.is_file():
        return None
    try:
        settings = tomllib.loads(config.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{config} is not valid TOML: {exc}") from exc
    value = settings.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{config}: {key!r} must be a URL in a string")
    return value.strip()
