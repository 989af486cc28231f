"""Backends on several cores: forked workers render from a shared queue, the parent the rest, the bytes unchanged.

Backends are pure functions of the model (`backends/__init__.py`), so where a backend runs cannot
change what it returns. `render_all` forks workers from the process that holds the built model
(copy on write: nothing is rebuilt or sent to a worker); each takes the next backend off a queue,
heaviest first, until none is left, and sends back `{name: files}` through a pipe. The parent takes
from the same queue once its own work (the lint, the `PARENT` backends) is done, so whichever process
is free renders the next backend, and a weight that is off, or a spec of another shape, costs no
balance. The queue is a pipe filled with fixed-size tickets before the fork and closed for writing:
a read takes one whole ticket (a pipe read of a few bytes is atomic) or, once it is empty, end of
file. Each worker's first backend is its own (the heaviest, one each), so a parent that lints first
never ends up holding a large backend's leftovers.

Anything a worker cannot do (a backend raising, the worker dying, a result that does not unpickle)
comes back as "not done", and the parent renders that backend itself, in the registry's order, so
an error is raised in the parent exactly as a one-process run raises it (type, message, which
backend first).

Where forking is not possible or not worth it, everything runs in the parent: a platform without
`fork`, a process with other threads running (a fork copies only the calling thread), one usable
CPU, or `OBS_CODEGEN_JOBS=1`. `OBS_CODEGEN_JOBS=N` sets the process count (parent included), or, for a
caller that lints meanwhile (`generate`, `check --full`), the number of workers beside the parent.
"""

from __future__ import annotations

import os
import pickle
import struct
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

# Relative cost of each backend on a large spec (scripts/bench.py per-stage times, 10,000 metrics): the order
# the queue hands them out in (heaviest first). A wrong weight costs a little balance, never bytes.
WEIGHTS: Mapping[str, float] = {
    "typescript": 6.0, "python": 5.5, "prometheus": 1.5, "dashboards": 1.3, "catalog": 1.2,
    "mtail": 0.5, "alertmanager": 0.4,
}
_DEFAULT_WEIGHT = 0.05
PARENT = frozenset({"prometheus"})  # its rule groups and promtool tests are the lint's, built once (Model.memo)
ENV = "OBS_CODEGEN_JOBS"
_TICKET = struct.Struct(">H")  # one queued backend: its index in the queue


def jobs() -> int:
    """How many processes may render: `OBS_CODEGEN_JOBS` if set (>= 1), else the usable CPUs; 1 where forking is unsafe."""
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return 1
    raw = os.environ.get(ENV, "").strip()
    if raw:
        try:
            return max(1, int(raw))
        except ValueError:
            return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def queue_order(names: Sequence[str]) -> list[str]:
    """`names` without the `PARENT` backends, heaviest first (ties by name): the order the queue hands them out."""
    return sorted((n for n in names if n not in PARENT), key=lambda n: (-WEIGHTS.get(n, _DEFAULT_WEIGHT), n))


Result = dict[str, Any]  # backend name -> its files, or None where the worker could not render it
Take = Callable[[], "str | None"]  # the next queued backend, None once the queue is empty


@contextmanager
def workers(render: Callable[[str], Any], queue: Sequence[str], count: int) -> Iterator[tuple[Take, Callable[[], Result]]]:
    """Fork up to `count` workers that render the backends of `queue` with `render`; yields `(take, collect)`.

    Worker i starts with `queue[i]`, then every process takes from what is left: `take()` gives the
    parent the next name (None when the queue is empty). `collect()` waits for every worker and returns
    what each rendered (None for a backend it took but could not render); a name that is in no result
    was not rendered by a worker. On leaving the block every worker still running is killed and reaped."""
    started: list[tuple[int, int]] = []
    mine: list[str] = []  # first backends of workers that did not start
    count = max(0, min(count, len(queue)))
    if len(queue) * _TICKET.size > 512:  # the tickets go in one write that cannot block (POSIX: PIPE_BUF >= 512)
        count = 0
    tickets = -1
    try:
        try:
            tickets, fill = os.pipe() if count else (-1, -1)
        except OSError:  # out of descriptors: the parent renders everything
            count = 0
        if count:
            try:
                os.write(fill, b"".join(_TICKET.pack(i) for i in range(count, len(queue))))
            finally:
                os.close(fill)  # so an empty queue reads as end of file
        for first in queue[:count]:
            try:
                read_fd, write_fd = os.pipe()
            except OSError:
                mine.append(first)
                continue
            try:
                pid = os.fork()
            except OSError:  # out of processes or memory: the parent renders its first backend
                os.close(read_fd)
                os.close(write_fd)
                mine.append(first)
                continue
            if pid == 0:  # the worker: never returns into the caller's code
                os.close(read_fd)
                _work(render, first, lambda: _take(tickets, queue), write_fd)
            os.close(write_fd)
            started.append((pid, read_fd))
        if not count:
            mine.extend(queue)

        def take() -> str | None:
            return mine.pop(0) if mine else _take(tickets, queue)

        def collect() -> Result:
            result: Result = {}
            while started:
                pid, read_fd = started.pop(0)
                result.update(_receive(pid, read_fd))
            return result

        yield take, collect
    finally:
        if tickets >= 0:
            os.close(tickets)
        for pid, read_fd in started:
            os.close(read_fd)
            _kill(pid)


def _take(tickets: int, queue: Sequence[str]) -> str | None:
    """The next queued name, or None when the queue is empty (or unreadable: the parent renders what is left)."""
    if tickets < 0:
        return None
    try:
        ticket = os.read(tickets, _TICKET.size)
    except OSError:
        return None
    return queue[_TICKET.unpack(ticket)[0]] if len(ticket) == _TICKET.size else None


def _work(render: Callable[[str], Any], first: str, take: Take, write_fd: int) -> None:
    code = 0
    try:
        done: Result = {}
        name: str | None = first
        while name is not None:
            try:
                done[name] = render(name)
            except Exception:  # the parent renders it again and raises the error itself
                done[name] = None
            name = take()
        with os.fdopen(write_fd, "wb") as pipe:  # streamed: no second copy of the files in memory
            pickle.dump(done, pipe, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:
        code = 1
    finally:
        os._exit(code)  # no atexit handlers, no flushing of the parent's inherited stdio buffers


def _receive(pid: int, read_fd: int) -> Result:
    try:
        with os.fdopen(read_fd, "rb") as pipe:  # streamed, likewise
            done = pickle.load(pipe)
    except Exception:  # a worker that died midway, or sent what does not unpickle
        done = None
    _, status = os.waitpid(pid, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0 or not isinstance(done, dict):
        return {}
    return done


def _kill(pid: int) -> None:
    try:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
