# Names vulture (see [tool.vulture] in pyproject.toml) reports as unused that are used, by
# something it cannot follow. Each group says by what. A name that is only dead belongs
# nowhere: delete it instead of listing it here.
# ruff: noqa

# Read by name: module __getattr__/__dir__ (lazy exports), the command table's modules
# (cli/__init__.py COMMANDS: each command's function, found with getattr), Typer's callback
# parameters, the shells `okr completion` accepts, and Click's group methods LazyGroup overrides.
__getattr__
__dir__
init
templates
push
pull
validate
version
BASH
ZSH
FISH
POWERSHELL
PWSH
_.list_commands
_.format_commands
_.short_help

# The library API (docs/library.md): Workbook's methods are called by programs, not by okr.
_.check_in
_.check_in_reply
_.validate

# Fields read by the report page's templates (okrsheet/render/templates/) or written to JSON
# (`model_dump`, docs/output.md); pydantic's model settings.
desc
confidence_last
days_left
overall
kpi_attention
initiative_attention
downstream_title
forecast_date
previous_progress
committed_miss
model_config
# What a delivery channel reports back to its caller: the mail's Message-ID (library API).
channel_id

# Overrides and callbacks the standard library or openpyxl call: HTMLParser's handlers,
# urllib's redirect hook (and its parameters), a signal handler's frame, the attributes
# openpyxl writes to the file, and kinds' mapping protocol.
_.handle_startendtag
_.handle_data
_.redirect_request
fp
msg
newurl
req
frame
_.quotePrefix
_.tabColor
_.alignment
_.border
_.orientation
_.fitToPage
_.fitToWidth
_.fitToHeight
_.freeze_panes
_.print_area
__iter__
__len__

# A documented exit code (docs/exit-codes.md) that okr ends with by returning normally.
OK
# What an exit code means: read by the generator of docs/exit-codes.md's table (tests/docgen.py).
_.meaning
# A cache key: `_template`'s results differ with the kinds in the table, which it does not read.
kind_names

# The one definition of the log's order (`order_keys` computes it in bulk): the reference the
# tests check the log index against.
checkin_order
# The inverse of `serial_to_date`: what the tests and the Google fake write day numbers with.
date_to_serial
# `register`'s inverse, for a program (or a test) that adds a key-result kind for a while.
unregister

# Registry members named by "module:NAME" strings: the source kinds in sources.KINDS and the
# backends in stores.BACKEND_CLASSES are imported by name when first used.
COMMAND
CSV_COLUMN
GSHEET_CELL
JSON_POINTER
XLSX_CELL
GoogleSheets
LocalXlsx

# The whole-sheet pick the tests compare the streamed one with (tests/stores/test_xlsx_defer*.py).
pick

# io.RawIOBase's hook: a buffered reader (and so zipfile) reads a hollow package's file through it
# (stores/xlsx/package._GapFile).
readinto
