"""The machine's own config for sources: what only the person who runs `okr sync` may decide.

It lives outside the workbook and outside the workbook's folder (both may be shared with
everyone who edits the sheet): `$OKR_CONFIG`, else `$XDG_CONFIG_HOME/okrsheet/config.toml`, else
`~/.config/okrsheet/config.toml`. A missing file is an empty config. See docs/sources.md.

    [sync]
    timeout = 10                    # seconds for each HTTP request or command
    roots = ["/srv/exports"]        # folders, besides the workbook's, local sources may read
    allow_http = ["127.0.0.1"]      # hosts that may be read over plain http (https otherwise)

    [sync.auth."api.example.com"]   # a header sent to this host only, over https
    header = "Authorization"
    prefix = "Bearer "
    env = "METRICS_TOKEN"           # the token is read from this environment variable

    [sync.commands.deals_won]       # a Source cell `config:deals_won` runs this (no shell)
    run = ["/usr/local/bin/crm-count", "--stage", "won"]
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from okrsheet.errors import UsageError

ENV_CONFIG = "OKR_CONFIG"
DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class Auth:
    """A header whose value comes from an environment variable, for one host."""

    header: str
    env: str
    prefix: str = ""


@dataclass(frozen=True)
class MachineConfig:
    path: Path | None = None
    timeout: float = DEFAULT_TIMEOUT
    roots: tuple[Path, ...] = ()
    allow_http: frozenset[str] = frozenset()
    auth: Mapping[str, Auth] = field(default_factory=dict)
    commands: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def where(self, key: str) -> str:
        """How messages name a setting: `config.toml [sync] timeout`."""
        return f"{self.path or 'the machine config'} {key}"


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    if environ.get(ENV_CONFIG, "").strip():
        return Path(environ[ENV_CONFIG]).expanduser()
    base = environ.get("XDG_CONFIG_HOME", "").strip() or str(Path.home() / ".config")
    return Path(base) / "okrsheet" / "config.toml"


def load_config(environ: Mapping[str, str] | None = None) -> MachineConfig:
    """The machine's config; an empty one when the file does not exist. A file that is there
    but wrong is a usage error naming the file and the key."""
    env = os.environ if environ is None else environ
    path = config_path(env)
    if not path.is_file():
        if env.get(ENV_CONFIG, "").strip():
            raise UsageError(f"no config file at {path}", option=ENV_CONFIG)
        return MachineConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    sync = data.get("sync", {})
    if not isinstance(sync, dict):
        raise UsageError(f"{path}: [sync] must be a table")

    def bad(key: str, what: str) -> UsageError:
        return UsageError(f"{path}: [sync] {key} must be {what}")

    timeout = sync.get("timeout", DEFAULT_TIMEOUT)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or not timeout > 0:
        raise bad("timeout", "a number of seconds above 0")
    roots = sync.get("roots", [])
    if not isinstance(roots, list) or not all(isinstance(r, str) for r in roots):
        raise bad("roots", "a list of folders")
    allow_http = sync.get("allow_http", [])
    if not isinstance(allow_http, list) or not all(isinstance(h, str) for h in allow_http):
        raise bad("allow_http", "a list of host names")
    auth: dict[str, Auth] = {}
    for host, entry in _table(sync, "auth", path).items():
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) for k in ("header", "env")
        ):
            raise bad(f'auth."{host}"', "a table with header and env (and optionally prefix)")
        auth[host.casefold()] = Auth(
            header=entry["header"], env=entry["env"], prefix=str(entry.get("prefix", ""))
        )
    commands: dict[str, tuple[str, ...]] = {}
    for name, entry in _table(sync, "commands", path).items():
        run = entry.get("run") if isinstance(entry, dict) else None
        if not isinstance(run, list) or not run or not all(isinstance(a, str) for a in run):
            raise bad(f"commands.{name}", 'a table with run = ["program", "argument", ...]')
        commands[name] = tuple(run)
    return MachineConfig(
        path=path,
        timeout=float(timeout),
        roots=tuple(Path(r).expanduser() for r in roots),
        allow_http=frozenset(h.casefold() for h in allow_http),
        auth=auth,
        commands=commands,
    )


def _table(sync: Mapping[str, object], key: str, path: Path) -> dict[str, object]:
    value = sync.get(key, {})
    if not isinstance(value, dict):
        raise UsageError(f"{path}: [sync.{key}] must be a table")
    return value
