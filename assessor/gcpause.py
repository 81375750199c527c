"""Pause the cyclic garbage collector while building large acyclic structures (a CLI concern).

Loading and scanning allocate millions of small dicts and lists that live until the
end of the run. Each generation-2 collection walks all of them, so with the collector
on, the cost of a scan grows faster than its input. Reference counting still frees
everything that is not cyclic. On the way out the survivors are frozen (gc.freeze), so
later collections in the same run do not walk them either.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_depth = 0


@contextmanager
def paused_gc() -> Iterator[None]:
    global _depth
    was_enabled = gc.isenabled()
    _depth += 1
    gc.disable()
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0 and was_enabled:
            # What was built lives until the end of the run: move it out of the collector's
            # sight, or the first collection after enable() walks all of it.
            gc.freeze()
            gc.enable()
