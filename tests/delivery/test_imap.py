"""`okr checkin --from-imap` against a real Dovecot, replies delivered by IMAP APPEND."""

from __future__ import annotations

import imaplib
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from okrsheet import service
from okrsheet.stores import Location
from tests.delivery.conftest import EMAILS, mail_url
from tests.delivery.dovecot import Imap, dovecot
from tests.delivery.replies import apple, gmail, outlook
from tests.delivery.smtp_server import SmtpServer, self_signed


def deliver(imap: Imap, *messages: bytes) -> None:
    client = imaplib.IMAP4(imap.host, imap.port)
    client.login(imap.user, imap.password)
    for data in messages:
        client.append("INBOX", "", imaplib.Time2Internaldate(0), data)
    client.logout()


def url(imap: Imap, password: str | None = None) -> str:
    secret = quote(imap.password if password is None else password, safe="")
    return f"imap://{imap.user}:{secret}@{imap.host}:{imap.port}/INBOX?starttls=no"


def test_replies_from_an_imap_folder(
    okr: Any, company: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert okr("remind", "--to", mail_url(smtp)).exit_code == 0
    arrived = {a.rcpt_tos[0]: a.message for a in smtp.received}
    marcus, priya = arrived[EMAILS["Marcus Webb"]], arrived[EMAILS["Priya Raman"]]
    with dovecot() as imap:
        deliver(
            imap,
            gmail(marcus, {"SALES-1.3": "SALES-1.3 | 5 | 35% | two new reps"}),
            outlook(priya, {"CORP-1.2": "CORP-1.2 | 81 | 40% |"}),
            apple(marcus, {"SALES-1.1": "SALES-1.1 | 70 | |"}, sender="x@evil.example"),
        )
        result = okr("checkin", "--from-imap", url(imap))
        assert result.exit_code == 2, result.stderr  # the forged reply is refused
        assert "recorded 1 check-in(s) by Marcus Webb" in result.stdout
        assert "recorded 1 check-in(s) by Priya Raman" in result.stdout
        assert "not from Marcus Webb's address" in result.stderr
        assert imap.password not in result.stdout + result.stderr
        plan = service.load(Location(path=company)).plan
        current = {kr.id: (kr.current, kr.confidence) for kr in plan.key_results}
        assert current["SALES-1.3"] == (5, 0.35)
        assert current["CORP-1.2"] == (81, 0.4)
        assert current["SALES-1.1"][0] == 63

        again = okr("checkin", "--from-imap", url(imap))  # all three are seen now
        assert again.exit_code == 0 and "No new replies" in again.stderr

        # From the environment, with the password in its own variable.
        monkeypatch.setenv("OKR_MAILBOX_URL", f"imap://{imap.user}@{imap.host}:{imap.port}/"
                           "INBOX?starttls=no")  # fmt: skip
        monkeypatch.setenv("OKR_MAILBOX_PASSWORD", imap.password)
        assert okr("checkin", "--from-imap", "-").exit_code == 0

        wrong = okr("checkin", "--from-imap", url(imap, "not-the-password"))
        assert wrong.exit_code == 5
        assert "could not read the mailbox imap://okr@127.0.0.1" in wrong.stderr
        assert "not-the-password" not in wrong.stdout + wrong.stderr
        no_tls = okr("checkin", "--from-imap", url(imap).removesuffix("?starttls=no"))
        assert no_tls.exit_code == 5 and "the password would go in clear" in no_tls.stderr
        assert imap.password not in no_tls.stderr


def test_starttls_with_a_certificate_the_machine_trusts(
    okr: Any, company: Path, smtp: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert okr("remind", "--to", mail_url(smtp)).exit_code == 0
    marcus = next(a.message for a in smtp.received if a.rcpt_tos == [EMAILS["Marcus Webb"]])
    _, cert = self_signed(tmp_path)
    key = tmp_path / "key.pem"
    for path in (tmp_path, cert, key):
        path.chmod(0o755 if path.is_dir() else 0o644)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    with dovecot(tls=(cert, key)) as imap:
        deliver(imap, gmail(marcus, {"SALES-1.3": "SALES-1.3 | 6 | 40% |"}))
        secret = quote(imap.password, safe="")
        tls_url = f"imap://{imap.user}:{secret}@localhost:{imap.port}/INBOX?starttls=yes"
        result = okr("checkin", "--from-imap", tls_url)
        assert result.exit_code == 0, result.stderr
        assert "recorded 1 check-in(s) by Marcus Webb" in result.stdout
