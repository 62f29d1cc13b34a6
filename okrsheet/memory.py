"""The cycle collector during a workbook load: paused while it runs, and, for the command line
only, what a large load made kept out of the collector's reach afterwards.

Freezing (`gc.freeze`) changes the whole process for as long as it lives: right for one
short `okr` run, not for a program that uses the library, whose memory is its own. So the
library only pauses the collector during a load; `okr`'s entry point (okrsheet/__main__.py)
turns freezing on with `freeze_large_loads`.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

#: Whether a load that made at least FREEZE_FROM objects freezes them (set by `okr` itself).
freeze_large_loads = False
#: How many objects the last `bulk_load` left frozen (0: none, or someone else froze some).
_frozen_by_load = 0
#: Loads that leave fewer new objects than this are not frozen: the collector walks them fast,
#: and counting frozen objects (`gc.get_freeze_count` walks them all) would cost more.
FREEZE_FROM = 200_000


#: The most objects a `bulk_load` of this process left (what it made and kept).
_largest_load = 0


def made_a_large_load() -> bool:
    """Whether a load in this process left at least FREEZE_FROM objects (frozen or not: a
    later load hands the frozen ones back), under `freeze_large_loads` (the `okr` command):
    enough that freeing them one by one at exit costs a noticeable time."""
    return freeze_large_loads and _largest_load >= FREEZE_FROM


def freeze_for_exit() -> None:
    """Keep every object out of the cycle collector's reach, as the process is about to end
    (`okr`, after a large load: `made_a_large_load`): the collection Python makes as it exits
    would walk them all for nothing."""
    gc.freeze()


@contextlib.contextmanager
def bulk_load() -> Iterator[None]:
    """Pause Python's cycle collector while a workbook is read and parsed.

    A large workbook becomes about a million cells, dicts and models, almost none of them in
    reference cycles; the collector would walk all of them again and again as they pile up (a
    quarter of the parse time of a 94,000-line log). Afterwards, under `freeze_large_loads`
    and when the load made at least FREEZE_FROM objects, they move to the permanent
    generation (`gc.freeze`), so the collections that follow skip them too; reference
    counting still frees them as usual. The next load hands them back to the collector first,
    so a process that loads again and again keeps at most one load's objects out of its
    reach. What someone else froze is never thawed.
    """
    global _frozen_by_load, _largest_load
    if not gc.isenabled():  # an enclosing load (or the caller) already paused it
        yield
        return
    # Frozen objects freed since only lower the count; more than the load froze means someone
    # else froze some too, and then nothing is thawed.
    if _frozen_by_load and gc.get_freeze_count() <= _frozen_by_load:
        gc.unfreeze()
    _frozen_by_load = 0
    gc.disable()
    before = gc.get_count()[0]
    try:
        yield
    finally:
        # With the collector paused, generation 0's count grows by what the load leaves.
        grew = gc.get_count()[0] - before
        _largest_load = max(_largest_load, grew)
        if freeze_large_loads and grew >= FREEZE_FROM and gc.get_freeze_count() == 0:
            gc.freeze()
            _frozen_by_load = gc.get_freeze_count()
        gc.enable()
