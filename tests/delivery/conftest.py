"""The example company with e-mail addresses, and a day when most owners are due."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import type_cells
from tests.delivery.smtp_server import SmtpServer, smtp_server

#: A Friday eight days after the example's last check-ins (2026-11-12): all are due.
DAY = "2026-11-20"
EMAILS = {
    "Priya Raman": "priya@northwind.example",
    "Marcus Webb": "marcus@northwind.example",
    "Lena Okafor": "lena@northwind.example",
}
#: People rows (2: Priya, 3: Marcus, 4: Lena, 5: Tom, who has no address).
PEOPLE_ROWS = {"Priya Raman": 2, "Marcus Webb": 3, "Lena Okafor": 4}


@pytest.fixture
def company(example: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example with addresses for all but Tom Alvarez, on DAY."""
    type_cells(example, {"People": {(row, 3): EMAILS[n] for n, row in PEOPLE_ROWS.items()}})
    monkeypatch.setenv("OKR_TODAY", DAY)
    monkeypatch.setenv("OKR_WORKBOOK", str(example))
    return example


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


def mail_url(server: SmtpServer) -> str:
    return f"smtp://{server.host}:{server.port}?from=okr@northwind.example"
