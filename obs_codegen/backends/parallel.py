"""Backends on several cores: forked workers render a share of them, the parent the rest, the bytes unchanged.

Backends are pure functions of the model (`backends/__init__.py`), so where a backend runs cannot
change what it returns. `render_all` hands `shares` of them to workers forked from the process
that holds the built model (copy on write: nothing is rebuilt or sent to a worker) and renders the
rest itself; each worker sends back `{name: files}` through a pipe. Anything a worker cannot do
(a backend raising, the worker dying, a result that does not unpickle) comes back as "not done",
and the parent renders that backend itself, in the registry's order, so an error is raised in
the parent exactly as a one-process run raises it (type, message, which backend first).

Where forking is not possible or not worth it, everything runs in the parent: a platform without
`fork`, a process with other threads running (a fork copies only the calling thread), one usable
CPU, or `OBS_CODEGEN_JOBS=1`. `OBS_CODEGEN_JOBS=N` sets the process count (parent included), or, for a
caller that lints meanwhile (`generate`, `check --full`), the number of workers beside the parent.
"""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

# Relative cost of each backend on a large spec (scripts/bench.py per-stage times, 10,000 metrics):
# what the shares are balanced by. A wrong weight costs balance, never bytes.
WEIGHTS: Mapping[str, float] = {
    "python": 6.0, "typescript": 5.5, "prometheus": 1.5, "catalog": 1.4, "dashboards": 0.8,
    "mtail": 0.4, "alertmanager": 0.4,
}
_DEFAULT_WEIGHT = 0.05
LINT_WEIGHT = 3.4  # the lint rules, which `generate` runs in the parent while the workers render
PARENT = frozenset({"prometheus"})  # its rule groups and promtool tests are the lint's, built once (Model.memo)
ENV = "OBS_CODEGEN_JOBS"


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


def shares(names: Sequence[str], processes: int, parent_load: float = 0.0) -> list[list[str]]:
    """`names` split into `processes` lists of about equal weight (heaviest first), the parent's first.

    `parent_load` is work the parent does besides (lint), in the same units; `PARENT` backends
    stay with the parent, which already holds what they share with the lint (`Model.memo`)."""
    bins: list[list[str]] = [[] for _ in range(max(1, processes))]
    load = [parent_load] + [0.0] * (len(bins) - 1)
    for name in sorted(names, key=lambda n: (n not in PARENT, -WEIGHTS.get(n, _DEFAULT_WEIGHT), n)):
        i = 0 if name in PARENT else min(range(len(bins)), key=lambda b: (load[b], b))
        bins[i].append(name)
        load[i] += WEIGHTS.get(name, _DEFAULT_WEIGHT)
    return [sorted(b) for b in bins if b] or [[]]


Result = dict[str, Any]  # backend name -> its files, or None where the worker could not render it


@contextmanager
def workers(render: Callable[[str], Any], worker_shares: Sequence[Sequence[str]]) -> Iterator[Callable[[], Result]]:
    """Fork one worker per share, each rendering its backends with `render`; yields `collect()`.

    `collect()` waits for every worker and returns what they rendered (None for each backend a worker
    did not render). On leaving the block every worker still running is killed and reaped."""
    started: list[tuple[int, int, Sequence[str]]] = []
    unstarted: Result = {}
    try:
        for share in worker_shares:
            try:
                read_fd, write_fd = os.pipe()
            except OSError:  # out of descriptors: the parent renders this share
                unstarted.update(dict.fromkeys(share))
                continue
            try:
                pid = os.fork()
            except OSError:  # out of processes or memory: likewise
                os.close(read_fd)
                os.close(write_fd)
                unstarted.update(dict.fromkeys(share))
                continue
            if pid == 0:  # the worker: never returns into the caller's code
                os.close(read_fd)
                _work(render, share, write_fd)
            os.close(write_fd)
            started.append((pid, read_fd, share))

        def collect() -> Result:
            result: Result = dict(unstarted)
            while started:
                pid, read_fd, share = started.pop(0)
                result.update(_receive(pid, read_fd, share))
            return result

        yield collect
    finally:
        for pid, read_fd, _ in started:
            os.close(read_fd)
            _kill(pid)


def _work(render: Callable[[str], Any], share: Sequence[str], write_fd: int) -> None:
    code = 0
    try:
        done: Result = {}
        for name in share:
            try:
                done[name] = render(name)
            except Exception:  # the parent renders it again and raises the error itself
                done[name] = None
        with os.fdopen(write_fd, "wb") as pipe:  # streamed: no second copy of the files in memory
            pickle.dump(done, pipe, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:
        code = 1
    finally:
        os._exit(code)  # no atexit handlers, no flushing of the parent's inherited stdio buffers


def _receive(pid: int, read_fd: int, share: Sequence[str]) -> Result:
    missing: Result = dict.fromkeys(share)
    try:
        with os.fdopen(read_fd, "rb") as pipe:  # streamed, likewise
            done = pickle.load(pipe)
    except Exception:  # a worker that died midway, or sent what does not unpickle
        done = None
    _, status = os.waitpid(pid, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0 or not isinstance(done, dict):
        return missing
    return {**missing, **{n: done.get(n) for n in share}}


def _kill(pid: int) -> None:
    try:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
