"""An in-process fake of the Google Sheets v4, Drive v3 and OAuth2 token APIs, at the HTTP layer:
the public face of the package `tests/fakes/sheets/`.

The fake is a :class:`requests.adapters.BaseAdapter` (:class:`FakeAdapter`) that answers requests
for ``https://sheets.googleapis.com/``, ``https://www.googleapis.com/drive/v3/`` and
``https://oauth2.googleapis.com/token`` from an in-memory model (:class:`FakeGoogle`).  Because it
sits below ``requests``, the *real* gspread and google-auth code run unchanged on top of it: the
service-account JWT is signed by google-auth and its signature verified here, tokens expire and are
refreshed, and every Sheets call carries a bearer token that the fake checks.

Any request for a host the fake does not serve raises :class:`NetworkBlockedError` at once.

Shapes (keys, value types, trimming of empty trailing cells, error bodies) follow the recordings of
the real API kept in ``tests/fakes/recordings/`` (see its README); ``test_sheets_api.py`` replays
them against the fake.

The package, by concern:

- ``sheets/common.py``: constants, the API's errors, copying;
- ``sheets/a1.py``: A1 notation (column letters, sheet titles, ranges);
- ``sheets/masks.py``: field masks (``fields=``) and update masks;
- ``sheets/values.py``: what users type (USER_ENTERED), number and date formats, rendering;
- ``sheets/formulas.py``: formula evaluation and references moved with their cells;
- ``sheets/model.py``: spreadsheets, sheets and cells in memory;
- ``sheets/calls.py``: requests as tests see them (calls made, faults, hooks);
- ``sheets/service.py``: the API's entry point, tokens, and the Sheets methods over the model;
- ``sheets/batch_update.py``: ``spreadsheets.batchUpdate`` and each request kind it takes;
- ``sheets/drive.py``: Drive files, their ``appProperties``, search and permissions;
- ``sheets/transport.py``: the requests adapter and client helpers (credentials, sessions).
"""

from tests.fakes.sheets.a1 import (
    A1Range,
    a1_range,
    column_index,
    column_letters,
    quote_title,
)
from tests.fakes.sheets.calls import (
    Call,
    Exchange,
    FakeRequest,
    Hook,
)
from tests.fakes.sheets.common import (
    APP_PROPERTIES_PER_APP,
    APP_PROPERTY_BYTES,
    DEFAULT_COLUMN_WIDTH,
    DEFAULT_FORMAT,
    DEFAULT_ROW_HEIGHT,
    DEFAULT_SCOPES,
    DRIVE_HOST,
    SCOPE_DRIVE,
    SCOPE_DRIVE_FILE,
    SCOPE_DRIVE_RO,
    SCOPE_SHEETS,
    SCOPE_SHEETS_RO,
    SERVED_HOSTS,
    SHEETS_HOST,
    SPREADSHEET_MIME,
    SPREADSHEET_THEME,
    TOKEN_HOST,
    TOKEN_URI,
    GoogleApiError,
    Json,
    NetworkBlockedError,
    quota_error,
)
from tests.fakes.sheets.formulas import (
    FormulaError,
    formula_shifter,
    shift_formula,
)
from tests.fakes.sheets.masks import (
    MaskTree,
    apply_field_mask,
    apply_update_mask,
    parse_field_mask,
)
from tests.fakes.sheets.model import (
    Cell,
    FakeSheet,
    FakeSpreadsheet,
    new_sheet,
)
from tests.fakes.sheets.service import FakeGoogle
from tests.fakes.sheets.transport import (
    FakeAdapter,
    authorized_session,
    authorized_user_info,
    gspread_client,
    mount,
    raw_session,
    service_account_credentials,
    service_account_info,
)
from tests.fakes.sheets.values import (
    date_to_serial,
    format_value,
    parse_input,
    python_to_input,
    render_cell,
    serial_to_datetime,
)

__all__ = [
    "a1_range",
    "A1Range",
    "APP_PROPERTIES_PER_APP",
    "APP_PROPERTY_BYTES",
    "apply_field_mask",
    "apply_update_mask",
    "authorized_session",
    "authorized_user_info",
    "Call",
    "Cell",
    "column_index",
    "column_letters",
    "date_to_serial",
    "DEFAULT_COLUMN_WIDTH",
    "DEFAULT_FORMAT",
    "DEFAULT_ROW_HEIGHT",
    "DEFAULT_SCOPES",
    "DRIVE_HOST",
    "Exchange",
    "FakeAdapter",
    "FakeGoogle",
    "FakeRequest",
    "FakeSheet",
    "FakeSpreadsheet",
    "format_value",
    "formula_shifter",
    "FormulaError",
    "GoogleApiError",
    "gspread_client",
    "Hook",
    "Json",
    "MaskTree",
    "mount",
    "NetworkBlockedError",
    "new_sheet",
    "parse_field_mask",
    "parse_input",
    "python_to_input",
    "quota_error",
    "quote_title",
    "raw_session",
    "render_cell",
    "SCOPE_DRIVE",
    "SCOPE_DRIVE_FILE",
    "SCOPE_DRIVE_RO",
    "SCOPE_SHEETS",
    "SCOPE_SHEETS_RO",
    "serial_to_datetime",
    "SERVED_HOSTS",
    "service_account_credentials",
    "service_account_info",
    "SHEETS_HOST",
    "shift_formula",
    "SPREADSHEET_MIME",
    "SPREADSHEET_THEME",
    "TOKEN_HOST",
    "TOKEN_URI",
]
