"""`okr auth` and where credentials are looked for: who okr acts as, never a secret printed."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from okrsheet.stores.google.auth import email_from_id_token, save_private
from tests.conftest import BOT, Google
from tests.fakes.sheets_api import FakeGoogle, authorized_user_info, service_account_info


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """No test here reaches the network: Google is the in-process fake or nothing. Any socket
    connection or name lookup fails (and is counted), so a call that went out would show."""
    import socket

    tried: list[object] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        tried.append(args[1:2] or args[:1])
        raise OSError("the network is blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return tried


def test_status_names_the_service_account_and_no_secret(okr: Any, google: Google) -> None:
    result = okr("auth", "status")

    assert result.exit_code == 0, result.stderr
    assert BOT in result.stdout
    assert "GOOGLE_APPLICATION_CREDENTIALS" in result.stdout
    assert "PRIVATE KEY" not in result.stdout and "private_key" not in result.stdout


def test_credentials_option_comes_first(okr: Any, google: Google, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text(
        json.dumps(service_account_info(google.fake, "second@p.iam.gserviceaccount.com"))
    )

    result = okr("--credentials", str(other), "auth", "status")

    assert result.exit_code == 0
    assert "second@p.iam.gserviceaccount.com" in result.stdout and "--credentials" in result.stdout


def test_gspread_files_are_found_in_order(
    okr: Any, google: Google, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS")
    folder = Path.home() / ".config" / "gspread"
    folder.mkdir(parents=True)
    user = {**authorized_user_info(google.fake, "ann@acme.test"), "account": "ann@acme.test"}
    (folder / "authorized_user.json").write_text(json.dumps(user))
    assert "user ann@acme.test" in okr("auth", "status").stdout

    robot = service_account_info(google.fake, "robot@p.iam.gserviceaccount.com")
    (folder / "service_account.json").write_text(json.dumps(robot))
    assert "robot@p.iam.gserviceaccount.com" in okr("auth", "status").stdout


def test_status_checks_that_google_accepts_the_credentials(okr: Any, google: Google) -> None:
    result = okr("auth", "status")

    assert result.exit_code == 0, result.stderr
    assert "Google accepts these credentials" in result.stdout
    seen = [(e.request.kind, e.status) for e in google.fake.exchanges]
    assert seen == [("token", 200), ("sheets-read", 404)]  # one token, one request, nothing read


def test_status_takes_a_403_on_the_made_up_spreadsheet_as_accepted_credentials(
    okr: Any, google: Google
) -> None:
    """Google may answer 403 rather than 404 for a spreadsheet nobody has: it still named
    who asked, so it took the credentials."""
    google.fake.fail_next(
        403, match=lambda r: r.kind == "sheets-read", message="The caller does not have permission"
    )

    result = okr("auth", "status")

    assert result.exit_code == 0, result.stderr
    assert "Google accepts these credentials" in result.stdout


def test_status_of_an_expired_or_revoked_sign_in_exits_7(
    okr: Any, google: Google, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refresh token Google no longer takes: it answers `invalid_grant` to both an expired
    and a revoked sign-in, and so does okr, with what to do."""
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS")
    folder = Path.home() / ".config" / "gspread"
    folder.mkdir(parents=True)
    stale = {**authorized_user_info(FakeGoogle(), "ann@acme.test"), "account": "ann@acme.test"}
    (folder / "authorized_user.json").write_text(json.dumps(stale))

    result = okr("auth", "status")

    assert result.exit_code == 7
    assert "okr uses the user ann@acme.test" in result.stdout
    said = " ".join(result.stderr.split())
    assert "Google refused the credentials of user ann@acme.test" in said
    assert "the sign-in has expired or was revoked" in said
    assert "okr auth login" in said
    assert "accepts" not in result.stdout
    assert stale["refresh_token"] not in result.stdout + result.stderr
    assert "1//" not in result.stdout + result.stderr


def test_status_of_a_deleted_service_account_key_exits_7(
    okr: Any, google: Google, tmp_path: Path
) -> None:
    deleted = tmp_path / "old-key.json"  # a key this Google does not know (deleted)
    deleted.write_text(
        json.dumps(service_account_info(FakeGoogle(), "old@p.iam.gserviceaccount.com"))
    )

    result = okr("--credentials", str(deleted), "auth", "status")

    assert result.exit_code == 7
    said = " ".join(result.stderr.split())
    assert "the key was deleted or disabled" in said
    assert "PRIVATE KEY" not in result.stdout + result.stderr


def test_status_when_google_cannot_be_reached_exits_5(okr: Any, google: Google) -> None:
    google.fake.fail_next(503, times=100)

    result = okr("auth", "status")

    assert result.exit_code == 5
    assert "did not answer for the credentials check" in " ".join(result.stderr.split())


def test_status_without_the_fake_reaches_no_network_with_no_check(
    okr: Any, tmp_path: Path, no_network: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--no-check` says who without asking Google; without it, the blocked network is the
    proof that the check is a real request (it fails as Google being unreachable)."""
    user = {**authorized_user_info(FakeGoogle(), "ann@acme.test"), "account": "ann@acme.test"}
    (tmp_path / "user.json").write_text(json.dumps(user))

    offline = okr("--credentials", str(tmp_path / "user.json"), "auth", "status", "--no-check")

    assert offline.exit_code == 0, offline.stderr
    assert "user ann@acme.test" in offline.stdout and "accepts" not in offline.stdout
    assert no_network == []

    import okrsheet.stores.google.http as google_http

    monkeypatch.setattr(google_http, "pause", lambda seconds: None)
    checked = okr("--credentials", str(tmp_path / "user.json"), "auth", "status")
    assert checked.exit_code == 5  # the check went for the network, which is blocked here
    assert no_network != []
    assert user["refresh_token"] not in checked.stdout + checked.stderr


def test_no_credentials_anywhere(okr: Any) -> None:
    result = okr("auth", "status")

    assert result.exit_code == 7
    assert "okr auth login" in result.stderr


def test_a_missing_credentials_file_is_a_usage_error(okr: Any, tmp_path: Path) -> None:
    result = okr("--credentials", str(tmp_path / "nope.json"), "auth", "status")

    assert result.exit_code == 2
    assert "--credentials" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [("not json", "not readable JSON"), ('{"type": "external_account_x"}', "neither")],
)
def test_a_bad_credentials_file_is_named(
    okr: Any, tmp_path: Path, content: str, message: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)

    result = okr("--credentials", str(bad), "auth", "status")

    assert result.exit_code == 7
    assert message in result.stderr and str(bad) in result.stderr


def test_login_without_a_client_file_says_how_to_get_one(okr: Any, tmp_path: Path) -> None:
    result = okr("auth", "login", "--client-secrets", str(tmp_path / "client.json"))

    assert result.exit_code == 2
    assert "Desktop app" in result.stderr


def test_token_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "authorized_user.json"
    target.parent.mkdir()
    target.write_text("old")
    target.chmod(0o644)

    save_private(target, '{"refresh_token": "x"}')

    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text() == '{"refresh_token": "x"}'


def test_the_signed_in_email_is_read_from_the_id_token() -> None:
    claims = base64.urlsafe_b64encode(json.dumps({"email": "ann@acme.test"}).encode()).decode()
    assert email_from_id_token(f"h.{claims.rstrip('=')}.s") == "ann@acme.test"
    assert email_from_id_token("garbage") is None
    assert email_from_id_token(None) is None


def test_a_sign_in_without_the_drive_scope_is_told_to_log_in_again(google: Google) -> None:
    from okrsheet.errors import AuthError
    from okrsheet.stores.google.auth import Identity
    from okrsheet.stores.google.http import DRIVE_API, Http
    from tests.fakes.sheets_api import raw_session

    sid = google.fake.add_spreadsheet({"Sheet1": []})
    session = raw_session(
        google.fake, "ann@acme.test", ["https://www.googleapis.com/auth/spreadsheets"]
    )
    http = Http(session, Identity("user", "ann@acme.test", "test"))

    with pytest.raises(AuthError, match="scope"):
        http.call(
            "post",
            f"{DRIVE_API}/{sid}/permissions",
            json={"type": "user", "role": "writer", "emailAddress": "x@acme.test"},
            idempotent=True,
            what="gsheet:x",
        )


def person_signs_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[Any]]:
    """An OAuth client file, and Google's browser flow replaced by what the person does there:
    they sign in as ann@acme.test. Returns the client file and the scopes each flow asked."""
    from google.oauth2.credentials import Credentials
    from google_auth_oauthlib.flow import InstalledAppFlow

    client = tmp_path / "client.json"
    client.write_text(
        json.dumps(
            {
                "installed": {
                    "client_id": "c.apps.googleusercontent.com",
                    "client_secret": "s3cret",
                    "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                    "token_uri": "https://oauth2.googleapis.com/token",
                    "redirect_uris": ["http://localhost"],
                }
            }
        )
    )
    claims = base64.urlsafe_b64encode(json.dumps({"email": "ann@acme.test"}).encode()).decode()
    asked: list[list[str]] = []

    def browser_flow(self: Any, **kwargs: Any) -> Credentials:  # what the person does
        asked.append(list(self.oauth2session.scope))
        creds = Credentials(  # type: ignore[no-untyped-call]
            token="ya29.the-access-token",
            refresh_token="1//the-refresh-token",
            client_id="c.apps.googleusercontent.com",
            client_secret="s3cret",
            token_uri="https://oauth2.googleapis.com/token",
            id_token=f"h.{claims}.s",
        )
        return creds

    monkeypatch.setattr(InstalledAppFlow, "run_local_server", browser_flow)
    return client, asked


def test_login_saves_the_token_privately_and_names_the_person(
    okr: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, asked = person_signs_in(tmp_path, monkeypatch)

    result = okr("auth", "login", "--client-secrets", str(client), "--no-browser")

    assert result.exit_code == 0, result.stderr
    assert "ann@acme.test" in result.stdout
    assert "ya29" not in result.stdout + result.stderr and "1//" not in result.stdout
    saved = Path.home() / ".config" / "gspread" / "authorized_user.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert json.loads(saved.read_text())["account"] == "ann@acme.test"
    assert "https://www.googleapis.com/auth/drive.file" in asked[0]
    assert "https://www.googleapis.com/auth/drive" not in asked[0]  # never all of Drive
    status = okr("auth", "status", "--no-check")  # the token is Google's own: not on the fake
    assert "user ann@acme.test" in status.stdout


def test_login_replaces_an_open_world_readable_token_file_instead_of_writing_into_it(
    okr: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # what gspread's own flow leaves: a 0644 token in a 0755 folder, which another local user
    # has open (here, a handle of ours stands for theirs)
    client, _ = person_signs_in(tmp_path, monkeypatch)
    folder = Path.home() / ".config" / "gspread"
    folder.mkdir(parents=True)
    folder.chmod(0o755)
    saved = folder / "authorized_user.json"
    saved.write_text('{"refresh_token": "1//the-old-one"}')
    saved.chmod(0o644)
    old_inode = saved.stat().st_ino

    with saved.open(encoding="utf-8") as theirs:
        result = okr("auth", "login", "--client-secrets", str(client), "--no-browser")
        theirs.seek(0)
        seen_by_them = theirs.read()

    assert result.exit_code == 0, result.stderr
    assert seen_by_them == '{"refresh_token": "1//the-old-one"}'  # never the new secrets
    assert "the-refresh-token" not in seen_by_them and "s3cret" not in seen_by_them
    assert saved.stat().st_ino != old_inode  # a new file, renamed over the old one
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700  # the folder's mode is fixed too
    assert json.loads(saved.read_text())["refresh_token"] == "1//the-refresh-token"
    assert sorted(p.name for p in folder.iterdir()) == ["authorized_user.json"]  # no temp left
