"""`memory.bulk_load` (what `memory.load` reads under): the cycle collector paused while a
workbook is parsed, and, for the command line only, what a large load made kept out of its
reach until the next load."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from okrsheet import memory


@pytest.fixture(autouse=True)
def _thawed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(memory, "freeze_large_loads", True)  # as `okr` sets it
    gc.unfreeze()
    gc.enable()  # whatever a test before left in this process
    memory._frozen_by_load = 0
    yield
    gc.unfreeze()
    memory._frozen_by_load = 0
    gc.enable()


def _objects(count: int) -> list[list[int]]:
    return [[n] for n in range(count)]


def test_the_collector_is_paused_during_a_load_and_back_after() -> None:
    with memory.bulk_load():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_small_load_freezes_nothing() -> None:
    with memory.bulk_load():
        kept = _objects(1_000)

    assert gc.get_freeze_count() == 0 and kept


def test_a_large_load_is_frozen_until_the_next_load_thaws_it() -> None:
    gc.collect()
    with memory.bulk_load():
        kept = _objects(memory.FREEZE_FROM)

    frozen = gc.get_freeze_count()
    assert frozen >= memory.FREEZE_FROM and kept
    with memory.bulk_load():
        assert gc.get_freeze_count() == 0
    assert gc.get_freeze_count() == 0


def test_what_someone_else_froze_is_never_thawed() -> None:
    gc.freeze()
    theirs = gc.get_freeze_count()
    with memory.bulk_load():
        kept = _objects(memory.FREEZE_FROM)
    with memory.bulk_load():
        pass

    # Never thawed (that would leave none, or only the load's): the count may only fall by
    # the few frozen objects freed meanwhile.
    assert theirs - 1_000 <= gc.get_freeze_count() <= theirs and kept


def test_inside_a_paused_collector_a_load_changes_nothing() -> None:
    gc.disable()
    with memory.bulk_load():
        kept = _objects(memory.FREEZE_FROM)

    assert not gc.isenabled() and gc.get_freeze_count() == 0 and kept


def test_for_a_library_caller_a_large_load_freezes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "freeze_large_loads", False)
    gc.collect()
    with memory.bulk_load():
        assert not gc.isenabled()
        kept = _objects(memory.FREEZE_FROM)

    assert gc.isenabled() and gc.get_freeze_count() == 0 and kept
