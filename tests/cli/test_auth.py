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


def test_status_names_the_service_account_and_no_secret(okr: Any, google: Google) -> None:
    result = okr("auth", "status")

    assert result.exit_code == 0, result.stderr
    assert BOT in result.stdout
    assert "GOOGLE_APPLICATION_CREDENTIALS" in result.stdout
    assert "PRIVATE KEY" not in result.stdout and "private_key" not in result.stdout


def test_credentials_option_comes_first(okr: Any, google: Google, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text(
        json.dumps(service_account_info(FakeGoogle(), "second@p.iam.gserviceaccount.com"))
    )

    result = okr("--credentials", str(other), "auth", "status")

    assert result.exit_code == 0
    assert "second@p.iam.gserviceaccount.com" in result.stdout and "--credentials" in result.stdout


def test_gspread_files_are_found_in_order(okr: Any, tmp_path: Path) -> None:
    folder = Path.home() / ".config" / "gspread"
    folder.mkdir(parents=True)
    user = {**authorized_user_info(FakeGoogle()), "account": "ann@acme.test"}
    (folder / "authorized_user.json").write_text(json.dumps(user))
    assert "user ann@acme.test" in okr("auth", "status").stdout

    robot = service_account_info(FakeGoogle(), "robot@p.iam.gserviceaccount.com")
    (folder / "service_account.json").write_text(json.dumps(robot))
    assert "robot@p.iam.gserviceaccount.com" in okr("auth", "status").stdout


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
    status = okr("auth", "status")
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
