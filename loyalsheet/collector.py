"""Python's cyclic garbage collector, paused around a step that makes many objects and no cycles.

With a big member file's million rows in memory, every full collection walks them all (one to two
seconds each), and a step that makes a hundred thousand objects sets several off, for nothing to
find. :func:`paused` switches the collector off for the step; on leaving, what the step made joins
the oldest generation without being scanned (it is looked at in the next full collection, which
its growth then puts off), and the collector is switched back on if it was on. Nested pauses
leave the switch to the outermost one.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused(active: bool = True) -> Iterator[None]:
    """Pause the collector inside the block (``active=False``: leave it as it is)."""
    if not active:
        yield
        return
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            if gc.get_freeze_count() == 0:  # (never unfreeze what someone else froze)
                gc.freeze()
                gc.unfreeze()
            gc.enable()
