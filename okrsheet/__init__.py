"""okrsheet: OKRs kept honest in a spreadsheet.

The library API (docs/library.md):

    from okrsheet import Workbook

    book = Workbook("acme.xlsx")
    book.check_in("SALES-1.1", 120, confidence=0.7)
    print(book.status().model_dump_json(indent=2))

The names below are imported on first use, so `okr --help` does not pay for them.
"""

__version__ = "0.1.0"

# Not typing.TYPE_CHECKING: importing typing alone would take longer than the rest of this.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from okrsheet.api import Workbook
    from okrsheet.domain.model import CheckIn, Plan
    from okrsheet.errors import ExitCode, OkrError, UsageError
    from okrsheet.layout import ParsedWorkbook
    from okrsheet.reports import Report

#: Each exported name and the module it lives in.
_EXPORTS = {
    "Workbook": "okrsheet.api",
    "ExitCode": "okrsheet.errors",
    "OkrError": "okrsheet.errors",
    "UsageError": "okrsheet.errors",
    "ParsedWorkbook": "okrsheet.layout",
    "CheckIn": "okrsheet.domain.model",
    "Plan": "okrsheet.domain.model",
    "Report": "okrsheet.reports",
}

__all__ = [
    "CheckIn",
    "ExitCode",
    "OkrError",
    "ParsedWorkbook",
    "Plan",
    "Report",
    "UsageError",
    "Workbook",
    "__version__",
]


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'okrsheet' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value  # once imported, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
