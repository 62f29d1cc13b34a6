"""The digest's HTML mail part in a real browser: headless Chromium shows every section and
key result behind, makes no request and logs no console error. A screenshot is saved in
tests/artifacts/ (ignored by git) to look at.

Needs Chromium as tests/render/test_html_browser.py does (a skip, except under CI: a fail).
"""

from __future__ import annotations

from pathlib import Path

from okrsheet import service
from okrsheet.domain.model import rewind
from okrsheet.render import digest as forms
from okrsheet.reports import digest_report
from tests.conftest import TODAY
from tests.render.test_html_browser import ARTIFACTS, Dom, browser, chromium


def test_the_digest_mail_renders_in_chromium(example: Path, tmp_path: Path) -> None:
    binary = browser()
    plan = rewind(service.load(service.resolve_location(str(example))).plan, TODAY)
    report = digest_report(plan, TODAY, report_url="https://intranet.example.com/okr.html")
    page = tmp_path / "digest.html"
    page.write_text(forms.html(report, attached=True), encoding="utf-8")

    run = chromium(binary, page.as_uri(), "--dump-dom")
    assert "</html>" in run.stdout, run.stderr[-2000:]
    shown = " ".join(" ".join(Dom(run.stdout).shown).split())
    for section in forms.sections(report):
        assert section.heading in shown
    for row in report.behind:
        assert f"{row.id} {row.title}" in shown
    assert run.requests == [] and run.console == []

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "digest-mail.png"
    shot.unlink(missing_ok=True)
    chromium(binary, page.as_uri(), "--window-size=700,1800", f"--screenshot={shot}")
    assert shot.stat().st_size > 10_000
