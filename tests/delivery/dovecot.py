"""A real IMAP server for tests: Dovecot, started from a temporary configuration on 127.0.0.1.

One user (`passwd-file` passdb and userdb) with a maildir in a temporary folder. It runs as
the current user; started by root (as in CI containers), Dovecot's own unprivileged users
serve the logins and the mail, since Dovecot refuses to do either as root."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.delivery.smtp_server import free_port

DOVECOT = shutil.which("dovecot") or next(
    (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.path.exists(p)), None
)


def need_dovecot() -> str:
    """Dovecot's path; a test without it fails in CI and is skipped elsewhere."""
    if DOVECOT is None:
        if os.environ.get("CI"):
            pytest.fail("Dovecot (dovecot-imapd) is required in CI for okr checkin --from-imap")
        pytest.skip("Dovecot is not installed")
    return DOVECOT


@dataclass(frozen=True)
class Imap:
    host: str
    port: int
    user: str
    password: str
    maildir: Path


_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
instance_name = okr-test-{port}
protocols = imap
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {root}/dovecot.log
mail_location = maildir:~/Maildir
first_valid_uid = 1
first_valid_gid = 1
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
service auth {{
  user = {auth_user}
}}
service auth-worker {{
  user = {auth_user}
}}
"""


@contextmanager
def dovecot(
    user: str = "okr", password: str = "p@ss/w0rd%", *, tls: tuple[Path, Path] | None = None
) -> Iterator[Imap]:
    """Dovecot on 127.0.0.1; with `tls` (certificate and key files) it offers STARTTLS."""
    binary = need_dovecot()
    root = Path(tempfile.mkdtemp(prefix="okr-dovecot-"))
    try:
        root.chmod(0o755)
        for sub in ("run", "state", "home"):
            (root / sub).mkdir()
        if os.geteuid() == 0:
            mail_user = pwd.getpwnam("dovecot")
            internal, login, auth_user = "dovecot", "dovenull", "root"
            internal_group = "dovecot"
        else:
            mail_user = pwd.getpwuid(os.getuid())
            internal = login = auth_user = mail_user.pw_name
            internal_group = str(os.getgid())
        home = root / "home" / user
        home.mkdir()
        os.chown(home, mail_user.pw_uid, mail_user.pw_gid)
        (root / "passwd").write_text(
            f"{user}:{{PLAIN}}{password}:{mail_user.pw_uid}:{mail_user.pw_gid}::{home}\n"
        )
        port = free_port()
        (root / "dovecot.conf").write_text(
            _CONFIG.format(
                root=root,
                port=port,
                internal=internal,
                internal_group=internal_group,
                login=login,
                auth_user=auth_user,
                ssl=(
                    f"ssl = yes\nssl_cert = <{tls[0]}\nssl_key = <{tls[1]}" if tls else "ssl = no"
                ),
            )
        )
        process = subprocess.Popen(
            [binary, "-F", "-c", str(root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            _wait_for(port, process, root)
            yield Imap("127.0.0.1", port, user, password, home / "Maildir")
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _wait_for(port: int, process: subprocess.Popen[bytes], root: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            error = process.stderr.read().decode() if process.stderr else ""
            pytest.fail(f"dovecot stopped: {error}{log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                if probe.recv(64).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.05)
    pytest.fail("dovecot did not answer within 15 s")
