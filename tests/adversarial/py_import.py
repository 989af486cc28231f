"""Import generated Python packages, each in a forked child with a timeout (run as a script).

Usage: python py_import.py TIMEOUT DIR PKG [DIR PKG ...]
For each pair: a child chdirs into DIR (so a payload that writes a marker file writes it
there), puts DIR first on sys.path, forgets any module named PKG, imports PKG and then every
module in it, and exits 0, or prints the exception and exits 1. One JSON line per package:
{"dir", "ok", "error"}. The standard-library modules generated code uses are imported before
forking, so each child costs a fork instead of an interpreter start.
"""

from __future__ import annotations

import collections.abc  # noqa: F401  (preloaded for the children)
import dataclasses  # noqa: F401
import hashlib  # noqa: F401
import hmac  # noqa: F401
import importlib
import json
import os
import re  # noqa: F401
import select
import signal
import sys
import time
import traceback
import types  # noqa: F401
import typing  # noqa: F401


def child(directory: str, package: str, wfd: int) -> None:
    status = 1
    try:
        os.chdir(directory)
        sys.path.insert(0, directory)
        for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[name]
        importlib.import_module(package)
        for entry in sorted(os.listdir(os.path.join(directory, package))):
            if entry.endswith(".py") and entry != "__init__.py":
                importlib.import_module(f"{package}.{entry[:-3]}")
        os.write(wfd, b"OK")  # a payload that exits the child early never gets here
        status = 0
    except BaseException as exc:  # noqa: BLE001 - report whatever the import raised
        frames = traceback.extract_tb(exc.__traceback__)
        where = next((f"{os.path.basename(f.filename)}:{f.lineno}" for f in reversed(frames) if directory in f.filename), "")
        os.write(wfd, f"{type(exc).__name__}{' at ' + where if where else ''}: {str(exc)[:300]}".encode())
    os._exit(status)


def main() -> None:
    timeout = float(sys.argv[1])
    pairs = sys.argv[2:]
    for directory, package in zip(pairs[::2], pairs[1::2]):
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            child(directory, package, wfd)
        os.close(wfd)
        deadline = time.monotonic() + timeout
        chunks = []
        while True:
            ready, _, _ = select.select([rfd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                chunks.append(f"did not finish within {timeout:.0f} s".encode())
                break
            chunk = os.read(rfd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(rfd)
        _, status = os.waitpid(pid, 0)
        error = b"".join(chunks).decode("utf-8", "backslashreplace")
        if os.WIFSIGNALED(status) and not error:
            error = f"killed by signal {os.WTERMSIG(status)}"
        ok = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and error == "OK"
        if not ok and not error:
            error = f"the import exited early (status {status})"
        print(json.dumps({"dir": directory, "ok": ok, "error": "" if ok else error}), flush=True)


if __name__ == "__main__":
    main()
