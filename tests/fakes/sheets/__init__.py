"""The in-process fake of the Google Sheets, Drive and token APIs, one module per concern
(its public face: `tests/fakes/sheets_api.py`)."""
