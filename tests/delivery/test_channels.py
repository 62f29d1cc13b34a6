"""The mail channels against a real SMTP server (aiosmtpd) and a real folder."""

from __future__ import annotations

import email
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

from okrsheet.delivery import Message, channel_for
from okrsheet.delivery.urls import mask
from okrsheet.errors import BackendError, UsageError
from tests.delivery.smtp_server import self_signed, smtp_server

MESSAGE = Message(
    to="Ana Lima <ana@acme.example>",
    subject="Your key results this week",
    text="Hello Ana,\n\nSALES-1.2 | 78% | 70% |\n",
    html="<p>Hello <b>Ana</b></p>",
    headers={"Message-ID": "<abc.1@acme.example>", "X-Okr-Token": "tok123"},
)


def parts(mail: EmailMessage) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in mail.walk():
        if part.get_content_maintype() == "text" and isinstance(part, EmailMessage):
            found[part.get_content_type()] = str(part.get_content())
    return found


def test_smtp_delivers_multipart_with_own_headers() -> None:
    with smtp_server() as server:
        url = f"smtp://{server.host}:{server.port}?from=okr@acme.example"
        delivered = channel_for(url).send([MESSAGE, Message("bo@acme.example", "Hi", "Hi Bo\n")])
    assert [d.channel_id for d in delivered][0] == "<abc.1@acme.example>"
    assert delivered[1].channel_id.startswith("<") and delivered[1].channel_id.endswith(">")
    assert len(server.received) == 2
    first = server.received[0]
    assert first.mail_from == "okr@acme.example"
    assert first.rcpt_tos == ["ana@acme.example"]
    mail = first.message
    assert mail["Message-ID"] == "<abc.1@acme.example>"
    assert mail["X-Okr-Token"] == "tok123"
    assert mail["To"] == "Ana Lima <ana@acme.example>"
    assert mail.get_content_type() == "multipart/alternative"
    body = parts(mail)
    assert body["text/plain"] == MESSAGE.text
    assert "<b>Ana</b>" in body["text/html"]
    assert server.received[1].message.get_content_type() == "text/plain"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_smtp_signs_in_only_over_tls_unless_told(tmp_path: Path) -> None:
    with smtp_server(user="okr@acme.example", password="s3cr:t@x") as server:
        base = f"smtp://okr%40acme.example:s3cr%3At%40x@{server.host}:{server.port}"
        with pytest.raises(BackendError) as refused:
            channel_for(base).send([MESSAGE])
        assert "in clear" in refused.value.message
        assert "s3cr" not in refused.value.message
        assert server.received == []
        channel_for(base + "?starttls=no").send([MESSAGE])
        assert len(server.received) == 1
        assert server.received[0].mail_from == "okr@acme.example"
        wrong = f"smtp://okr%40acme.example:nope@{server.host}:{server.port}?starttls=no"
        with pytest.raises(BackendError) as bad:
            channel_for(wrong).send([MESSAGE])
        assert "535" in bad.value.message
        assert "nope" not in bad.value.message + str(bad.value.hint)


def test_smtp_starttls_and_smtps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    context, cert = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    with smtp_server(starttls=context) as server:
        channel_for(f"smtp://localhost:{server.port}?starttls=yes").send([MESSAGE])
        assert len(server.received) == 1
    with smtp_server() as plain, pytest.raises(BackendError, match="does not offer STARTTLS"):
        channel_for(f"smtp://localhost:{plain.port}?starttls=yes").send([MESSAGE])
    with smtp_server(implicit_tls=context) as tls:
        channel_for(f"smtps://localhost:{tls.port}").send([MESSAGE])
        assert tls.received[0].message["X-Okr-Token"] == "tok123"


def test_smtp_failure_is_a_backend_error_without_password() -> None:
    with smtp_server() as server:
        port = server.port
    with pytest.raises(BackendError) as failed:
        channel_for(f"smtp://u:hunter2@127.0.0.1:{port}?timeout=2").send([MESSAGE])
    assert "hunter2" not in failed.value.message
    assert f"smtp://u@127.0.0.1:{port}" in failed.value.message


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("smtp://", "not a mail URL"),
        ("smtp://h?starttls=maybe", "starttls"),
        ("smtp://h?colour=red", "unknown mail URL option"),
        ("smtp://u:pw@h:99999", "not a valid mail URL"),
        ("gopher://h", "unknown delivery URL scheme"),
    ],
)
def test_bad_urls_are_usage_errors(url: str, says: str) -> None:
    with pytest.raises(UsageError, match=says) as bad:
        channel_for(url)
    assert "pw" not in bad.value.message


def test_mask_hides_password() -> None:
    assert mask("smtp://u%40x:pa%3Ass@h:25?from=a") == "smtp://u%40x:***@h:25?from=a"
    assert mask("smtp://h:25") == "smtp://h:25"
    assert channel_for("smtp://u:pw@h").describe() == "smtp://u@h:25"


def test_directory_writes_one_eml_per_message(tmp_path: Path) -> None:
    out = tmp_path / "outbox"
    channel = channel_for(f"dir:{out}")
    assert channel.describe() == f"dir:{out}"
    other = Message("ana@acme.example", "Second", "again\n")
    delivered = channel.send([MESSAGE, other, Message("bo@acme.example", "x", "y\n")])
    names = sorted(p.name for p in out.iterdir())
    assert names == ["ana@acme.example-2.eml", "ana@acme.example.eml", "bo@acme.example.eml"]
    assert (out / "ana@acme.example.eml").stat().st_mode & 0o077 == 0
    mail = email.message_from_bytes((out / "ana@acme.example.eml").read_bytes(), policy=default)
    assert isinstance(mail, EmailMessage)
    assert mail["Message-ID"] == delivered[0].channel_id == "<abc.1@acme.example>"
    assert mail["From"] == "okr@localhost"
    assert parts(mail)["text/plain"] == MESSAGE.text


def test_directory_failures(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(BackendError, match="not a folder"):
        channel_for(f"dir:{tmp_path / 'file'}").send([MESSAGE])
    with pytest.raises(BackendError, match="cannot make the folder"):
        channel_for(f"dir:{tmp_path / 'no' / 'such'}").send([MESSAGE])
    with pytest.raises(UsageError):
        channel_for("dir:")
