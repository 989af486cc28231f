"""Run `obs-codegen lint` and `generate` on every case: one forked process per command, with a timeout.

Starting a fresh interpreter per command would cost about half a second each (importing click,
PyYAML, Jinja2, jsonschema), so the harness imports obs-codegen once and forks a child per
command instead. The child is a real separate process: it chdirs into the case's sandbox, runs
the installed CLI's click entry point exactly as the `obs-codegen` script does (standalone mode,
so click prints its own errors and exits), and reports an uncaught exception the way the
interpreter does (a traceback on stderr, exit code 1). Its stdout and stderr are text streams
with the encoding and error handlers a real `obs-codegen` process gets when its output is a
pipe (measured once per run), so a diagnostic that the real program could not print fails
here too. The parent kills a child that runs longer than the timeout: a hang is a failure, not
a stuck test run. Children get a memory limit, so a YAML bomb cannot take the machine down.

`tests/test_hostile_specs.py::test_in_process_runs_match_the_real_cli` runs a sample of cases
through the real `obs-codegen` executable too and requires identical results.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import os
import resource
import select
import signal
import subprocess
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .clichecks import cli_problems

COMMANDS: dict[str, list[str]] = {
    "lint": ["lint", "--spec", "spec.yaml"],
    "lint-json": ["lint", "--spec", "spec.yaml", "--format", "json"],
    "lint-github": ["lint", "--spec", "spec.yaml", "--format", "github"],
    "generate": ["generate", "--spec", "spec.yaml", "--out", "out"],
}
# The default run skips `--format json` (json.dumps of the same diagnostics) to save a lint per case.
DEFAULT_COMMANDS = ("lint", "lint-github", "generate")
KEEP_CHARS = 20_000  # of each stream, for reports; the checks see all of it
MEMORY_LIMIT = 2 * 1024**3  # bytes of address space a child may add to the parent's


@dataclass
class CliRun:
    """One command of one case: exit code (None: killed after the timeout) and what it printed."""

    command: str
    code: int | None
    stdout: str = ""
    stderr: str = ""
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"command": self.command, "code": self.code, "stdout": self.stdout, "stderr": self.stderr,
                "problems": self.problems, "seconds": self.seconds}


def stream_settings(python: str = sys.executable) -> tuple[str, str, str]:
    """(encoding, stdout errors, stderr errors) of a fresh interpreter writing to pipes."""
    code = "import sys; print(sys.stdout.encoding, sys.stdout.errors, sys.stderr.errors)"
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True, timeout=60).stdout.split()
    return out[0], out[1], out[2]


@contextlib.contextmanager
def warm_templates() -> Iterator[None]:
    """Share compiled Jinja2 templates with the children (the same templates, compiled once).

    Every `generate` builds a new Jinja2 Environment and compiles ~20 templates (about 0.3 s).
    While the runner is active, Environments without a bytecode cache get one in-memory cache,
    filled by one render of BASE before the first fork; Jinja2 checks each template's source
    checksum against the cache, so an edited template is still compiled afresh.
    """
    import jinja2

    class MemoryCache(jinja2.BytecodeCache):
        def __init__(self) -> None:
            self.store: dict[str, bytes] = {}

        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            if bucket.key in self.store:
                bucket.bytecode_from_string(self.store[bucket.key])

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            self.store[bucket.key] = bucket.bytecode_to_string()

    cache = MemoryCache()
    original = jinja2.Environment.__init__

    def init(self: jinja2.Environment, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("bytecode_cache") is None:
            kwargs["bytecode_cache"] = cache
        original(self, *args, **kwargs)

    jinja2.Environment.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        jinja2.Environment.__init__ = original  # type: ignore[method-assign]


def preload(base_spec: Path) -> None:
    """Import every module a command may need and render BASE once, before the first fork."""
    from obs_codegen.backends import render_all
    from obs_codegen.cli import main  # noqa: F401
    from obs_codegen.pipeline import compile_spec

    compiled = compile_spec(base_spec, "spec.yaml")
    if compiled.model is not None:
        render_all(compiled.model)
    for name in ("obs_codegen.output.writer", "obs_codegen.output.drift", "obs_codegen.logs.validate"):
        __import__(name)


def _child(case_dir: Path, command: str, wfd: int, streams: tuple[str, str, str]) -> None:
    """The forked child: run one CLI command in `case_dir`, write a JSON result to `wfd`, exit."""
    status = 0
    try:
        os.chdir(case_dir)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        soft = _address_space() + MEMORY_LIMIT
        resource.setrlimit(resource.RLIMIT_AS, (soft, soft))
        encoding, out_errors, err_errors = streams
        out, err = io.BytesIO(), io.BytesIO()
        sys.stdout = io.TextIOWrapper(out, encoding=encoding, errors=out_errors, write_through=True)
        sys.stderr = io.TextIOWrapper(err, encoding=encoding, errors=err_errors, write_through=True)
        sys.stdin = io.TextIOWrapper(io.BytesIO(), encoding=encoding)
        start = time.monotonic()
        code = _invoke(COMMANDS[command])
        seconds = time.monotonic() - start
        stdout = out.getvalue().decode(encoding, "backslashreplace")
        stderr = err.getvalue().decode(encoding, "backslashreplace")
        problems = cli_problems(command, code, stdout, stderr)
        result = CliRun(command, code, _cut(stdout), _cut(stderr), problems, seconds)
        data = json.dumps(result.to_dict(), ensure_ascii=True).encode()
        with os.fdopen(wfd, "wb") as pipe:
            pipe.write(data)
    except BaseException:  # the harness itself failed: say so on the pipe if it is still open
        status = 3
        with contextlib.suppress(OSError):
            os.write(wfd, json.dumps({"command": command, "code": None, "problems":
                                      ["harness child failed: " + traceback.format_exc()[-2000:]]}).encode())
    finally:
        os._exit(status)


def _invoke(argv: list[str]) -> int:
    """What `obs-codegen ARGV` does as a process: click standalone mode, then the interpreter's rules."""
    from obs_codegen.cli.main import main

    try:
        main.main(args=argv, prog_name="obs-codegen")
    except SystemExit as exc:
        if exc.code is None:
            return 0
        if isinstance(exc.code, int):
            return exc.code
        print(exc.code, file=sys.stderr)
        return 1
    except BaseException:
        traceback.print_exc()  # exactly what an uncaught exception prints
        return 1
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
    return 0


def _cut(text: str) -> str:
    return text if len(text) <= KEEP_CHARS else text[:KEEP_CHARS] + f"\n... [{len(text) - KEEP_CHARS} more characters]"


def _address_space() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


@dataclass
class _Running:
    case: str
    command: str
    pid: int
    fd: int
    deadline: float
    chunks: list[bytes] = field(default_factory=list)


def run_commands(case_dirs: dict[str, Path], timeout: float, jobs: int, streams: tuple[str, str, str],
                 on_case_done: Callable[[str], None] = lambda cid: None,
                 commands: tuple[str, ...] = DEFAULT_COMMANDS) -> dict[str, list[CliRun]]:
    """Run COMMANDS (in order) for every case, up to `jobs` children at a time; results by case id.

    `on_case_done(case_id)` is called as soon as a case's last command has finished.
    """
    queue = deque((cid, list(commands)) for cid in case_dirs)
    results: dict[str, list[CliRun]] = {cid: [] for cid in case_dirs}
    running: dict[int, _Running] = {}
    waiting: deque[tuple[str, list[str]]] = deque()  # cases with commands left, not currently running

    def start(cid: str, commands: list[str]) -> None:
        rfd, wfd = os.pipe()
        command = commands[0]
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns
            os.close(rfd)
            _child(case_dirs[cid], command, wfd, streams)
        os.close(wfd)
        running[rfd] = _Running(cid, command, pid, rfd, time.monotonic() + timeout)
        if commands[1:]:
            pending[cid] = commands[1:]

    pending: dict[str, list[str]] = {}
    gc.freeze()  # the children inherit the heap: keep their garbage collector off the parent's objects
    try:
        _loop(queue, waiting, pending, running, start, results, jobs, timeout, on_case_done)
    finally:
        gc.unfreeze()
    return results


def _loop(queue: deque[tuple[str, list[str]]], waiting: deque[tuple[str, list[str]]], pending: dict[str, list[str]],
          running: dict[int, _Running], start: Callable[[str, list[str]], None], results: dict[str, list[CliRun]],
          jobs: int, timeout: float, on_case_done: Callable[[str], None]) -> None:
    while queue or running or waiting:
        while len(running) < jobs and (waiting or queue):
            cid, commands = waiting.popleft() if waiting else queue.popleft()
            start(cid, commands)
        now = time.monotonic()
        wait = max(0.0, min(r.deadline for r in running.values()) - now)
        ready, _, _ = select.select(list(running), [], [], wait)
        for fd in ready:
            chunk = os.read(fd, 1 << 16)
            if chunk:
                running[fd].chunks.append(chunk)
                continue
            r = running.pop(fd)
            _finish(r, results, timed_out=False)
            last = results[r.case][-1]
            if last.command == "lint" and not _needs_other_formats(r.case, last):
                pending[r.case] = [c for c in pending[r.case] if not c.startswith("lint-")]
            if r.case not in pending:
                on_case_done(r.case)
        now = time.monotonic()
        for fd in [fd for fd, r in running.items() if r.deadline <= now]:
            r = running.pop(fd)
            with contextlib.suppress(ProcessLookupError):
                os.kill(r.pid, signal.SIGKILL)
            _finish(r, results, timed_out=True, timeout=timeout)
            pending.pop(r.case, None)  # a spec that hangs one command would hang the rest: one timeout is enough
            on_case_done(r.case)
        for cid in [c for c in pending if all(r.case != c for r in running.values())]:
            waiting.append((cid, pending.pop(cid)))


def _needs_other_formats(case: str, lint: CliRun) -> bool:
    """Whether `--format json/github` can differ from the text format in anything but layout.

    They print the same diagnostics; what can break only them is text that needs escaping or
    encoding (control characters, non-ASCII, surrogates), so they run when the text output has
    any, for every YAML-level case, and for `base`. A clean lint prints no diagnostic at all.
    """
    if case == "base" or case.startswith("yaml-"):
        return True
    if lint.code == 0 and lint.stderr.strip() == "obs-codegen: spec.yaml is clean":
        return False
    text = lint.stdout + lint.stderr
    return not (text.isascii() and all(ch.isprintable() or ch == "\n" for ch in text))


def _finish(r: _Running, results: dict[str, list[CliRun]], timed_out: bool, timeout: float = 0.0) -> None:
    os.close(r.fd)
    _, status = os.waitpid(r.pid, 0)
    if timed_out:
        run = CliRun(r.command, None, problems=[f"hang: did not finish within {timeout:.0f} s"], seconds=timeout)
    elif os.WIFSIGNALED(status):
        run = CliRun(r.command, None, problems=[f"crash: killed by signal {signal.Signals(os.WTERMSIG(status)).name}"])
    else:
        try:
            doc = json.loads(b"".join(r.chunks))
            run = CliRun(doc["command"], doc["code"], doc.get("stdout", ""), doc.get("stderr", ""),
                         doc.get("problems", []), doc.get("seconds", 0.0))
        except (ValueError, KeyError):
            run = CliRun(r.command, None, problems=[f"harness: no result from the child (exit status {status})"])
    results[r.case].append(run)
