"""`validate-logs --jobs N`: the lines of a file checked in N processes, findings and counts in file order.

The parent reads the file in chunks of lines and hands each chunk to a worker process (forked, so
each starts with the compiled validator and nothing is pickled but lines and verdicts). At most
2 x N chunks are in flight, so memory stays constant whatever the file size, and results are
consumed in the order the chunks were read, so the output is exactly that of `--jobs 1`.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from multiprocessing.pool import AsyncResult
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .validate import Finding, LogValidator, Stats

CHUNK = 2000  # lines per task: large enough that pickling is cheap beside validation
Verdict = tuple[int, str, str, tuple[tuple[str, str], ...]]  # line number, service, kind, errors

_VALIDATOR: LogValidator | None = None


def _init(validator: LogValidator) -> None:
    global _VALIDATOR
    _VALIDATOR = validator


def _check(chunk: list[tuple[int, bytes]]) -> list[Verdict]:
    assert _VALIDATOR is not None
    verdict = _VALIDATOR.verdict
    return [(number, *verdict(raw)) for number, raw in chunk]


def _chunks(lines: Iterable[bytes | str]) -> Iterator[list[tuple[int, bytes]]]:
    chunk: list[tuple[int, bytes]] = []
    for number, raw in enumerate(lines, 1):
        if raw.strip():
            chunk.append((number, raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else raw))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def validate_parallel(validator: LogValidator, lines: Iterable[bytes | str], file: str, stats: Stats,
                      jobs: int) -> Iterator[Finding]:
    """What `validator.validate_lines` yields, computed by `jobs` worker processes."""
    from .validate import Finding

    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, initializer=_init, initargs=(validator,)) as pool:
        pending: deque[AsyncResult[list[Verdict]]] = deque()

        def drain(limit: int) -> Iterator[Finding]:
            while len(pending) > limit:
                for number, service, kind, errors in pending.popleft().get():
                    stats.add(service, kind, not errors)
                    for path, message in errors:
                        yield Finding(file, number, path, message)

        for chunk in _chunks(lines):
            pending.append(pool.apply_async(_check, (chunk,)))
            yield from drain(2 * jobs)
        yield from drain(0)
