"""Pause the cyclic garbage collector while building large acyclic structures.

Loading and scanning allocate millions of small dicts and lists that live until the
end of the run. Each generation-2 collection walks all of them, so with the collector
on, the cost of a scan grows faster than its input. Reference counting still frees
everything that is not cyclic.
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
            gc.enable()
