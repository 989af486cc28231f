"""Keep the cyclic garbage collector off what a stage reads but does not change (the model, earlier outputs).

Linting and rendering a large spec make tens of millions of short-lived objects. Each full
collection the garbage collector runs meanwhile walks every live object, above all the model,
which grows with the spec: on a 10,000-metric spec that was 3 s of 25 s, and the reason the
stages' time grew faster than the spec. `frozen()` moves what exists into the collector's
permanent generation (`gc.freeze`) for the duration of a block and back (`gc.unfreeze`) at its
end; `refreeze()` inside the block adds what was built since (one backend's output, a memo).
Reference counting frees everything as before and new garbage is still collected, so memory
and output are unchanged; only the walks over the frozen objects are skipped. Nested blocks
unfreeze at the outermost one's end.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_depth = 0
BATCH_THRESHOLDS = (100_000, 50, 100)


def tune_for_batch() -> None:
    """For a process that builds one large model and exits (the CLI, the benchmark's stage runs): collect far less often.

    The default gen-0 threshold (700 allocations) makes a 10,000-metric generate run 3,000 collections and
    16 full ones over an ever larger model (4 s of 21 s); at 100,000 it runs a dozen, with the same peak
    memory (what cycles hold is small; reference counting frees the rest)."""
    gc.set_threshold(*BATCH_THRESHOLDS)


@contextmanager
def frozen() -> Iterator[None]:
    """Freeze every object that exists now until the block (the outermost of nested ones) ends."""
    global _depth
    if _depth == 0:
        gc.freeze()
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            gc.unfreeze()


def refreeze() -> None:
    """Inside `frozen()`: freeze the objects made since (kept results); outside, nothing."""
    if _depth:
        gc.freeze()


@contextmanager
def paused() -> Iterator[None]:
    """The cyclic collector off for a block that makes millions of acyclic objects (a template's output pieces,
    a file's tokens), then back as it was; reference counting still frees them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
