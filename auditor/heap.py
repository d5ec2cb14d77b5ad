"""Pauses of the cycle collector where the heap grows by many long-lived
objects or by many short-lived ones that make no reference cycles.

Each time the collector reaches its oldest generation it walks every tracked
object. Loading the gazetteer and building the clue finder's tables make
hundreds of thousands of tuples and sets that live as long as the process;
linking the corpus, the review's rounds of masking and re-linking (the gate,
fix's plan) and rendering the report make millions of objects that reference
counting frees as they go. They make next to no garbage cycles, so the walks
find next to nothing to free and only cost time: a paused collector is the
same result sooner (what a block leaves is collected once the collector is
back). What the pauses save: ``make bench`` (bench.md, "memos", gc-pause;
``PAUSE_COLLECTOR = False`` turns them off)."""
from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

PAUSE_COLLECTOR = True


@contextlib.contextmanager
def collector_paused(freeze: bool = False) -> Iterator[None]:
    """The cycle collector off inside the block (unless PAUSE_COLLECTOR is False), and back
    as it was after it (a pause inside a pause leaves it off until the outer one ends).
    ``freeze``: the block makes objects the process keeps to its end (the gazetteer, the
    clue finder's tables, pkuseg's model), so every object alive after it is moved out of
    the collector's walks (``gc.freeze``, before the collector is back: its first walk
    would otherwise be of all of them); the runner's forks unfreeze them."""
    if not PAUSE_COLLECTOR:
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()
