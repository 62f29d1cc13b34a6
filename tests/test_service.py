"""`service.bulk_load`: the cycle collector paused while a workbook is parsed, and what a large
load made kept out of its reach until the next load."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from okrsheet import service


@pytest.fixture(autouse=True)
def _thawed() -> Iterator[None]:
    gc.unfreeze()
    service._frozen_by_load = 0
    yield
    gc.unfreeze()
    service._frozen_by_load = 0
    gc.enable()


def _objects(count: int) -> list[list[int]]:
    return [[n] for n in range(count)]


def test_the_collector_is_paused_during_a_load_and_back_after() -> None:
    with service.bulk_load():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_small_load_freezes_nothing() -> None:
    with service.bulk_load():
        kept = _objects(1_000)

    assert gc.get_freeze_count() == 0 and kept


def test_a_large_load_is_frozen_until_the_next_load_thaws_it() -> None:
    gc.collect()
    with service.bulk_load():
        kept = _objects(service.FREEZE_FROM)

    frozen = gc.get_freeze_count()
    assert frozen >= service.FREEZE_FROM and kept
    with service.bulk_load():
        assert gc.get_freeze_count() == 0
    assert gc.get_freeze_count() == 0


def test_what_someone_else_froze_is_never_thawed() -> None:
    gc.freeze()
    theirs = gc.get_freeze_count()
    with service.bulk_load():
        kept = _objects(service.FREEZE_FROM)
    with service.bulk_load():
        pass

    assert gc.get_freeze_count() == theirs and kept


def test_inside_a_paused_collector_a_load_changes_nothing() -> None:
    gc.disable()
    with service.bulk_load():
        kept = _objects(service.FREEZE_FROM)

    assert not gc.isenabled() and gc.get_freeze_count() == 0 and kept
