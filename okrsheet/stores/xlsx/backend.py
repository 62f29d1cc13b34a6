"""The local .xlsx backend's entry in `okrsheet.stores.BACKENDS`: a path ending in .xlsx."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from okrsheet.stores import Backend, Location, Steps
from okrsheet.stores.base import WorkbookStore


class LocalXlsx(Backend):
    """A local .xlsx file (the default)."""

    scheme = "xlsx"

    def recognise(self, text: str, option: str) -> Location | None:
        path = Path(text).expanduser()
        if path.suffix.lower() not in (".xlsx", ".xlsm") and not path.is_dir():
            return None
        return Location(path=path)

    def open(
        self,
        location: Location,
        *,
        title: str | None,
        share: Sequence[str],
        steps: Steps | None,
        time_zone: str = "",
    ) -> WorkbookStore:
        from okrsheet.stores.xlsx.store import XlsxStore

        assert location.path is not None
        return XlsxStore(location.path, force=location.force)

    def describe(self, location: Location) -> str:
        return str(location.path)
