"""The external consumers, each run once over many generated units, with problems mapped back per unit.

A unit is one distinct generated artifact (a Python package, a TypeScript package, a rules file,
a promtool test with the rules it loads, a log schema) in a directory named by its content hash,
so each tool's messages name the unit they are about. One run per tool covers every unit:
  mypy --strict     over every Python package (each nested in its own `p<hash>` package)
  python import     one process that forks a child per package: `import <pkg>` and every module
  tsc --strict      one project over every TypeScript package, emitting JavaScript
  node import       one process that imports every emitted module of every package
  promtool          `check rules` on every rules file, `test rules` on every test
  ajv               one node process that compiles every log schema in strict mode
A tool that dies or stalls on one unit is restarted on the units after it (streamed tools), so a
hang costs one timeout and blames one unit.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
NODE_BIN = ROOT / "node_modules" / ".bin"
VENV_BIN = Path(sys.executable).parent
Problems = dict[str, list[str]]  # unit directory name -> problems

TSCONFIG = {"compilerOptions": {
    "strict": True, "noUnusedLocals": True, "noUnusedParameters": True, "exactOptionalPropertyTypes": True,
    "noUncheckedIndexedAccess": True, "module": "nodenext", "moduleResolution": "nodenext", "target": "es2022",
    "lib": ["es2022"], "types": ["node"], "typeRoots": [str(ROOT / "node_modules" / "@types")],
    "outDir": "js", "rootDir": ".", "pretty": False, "noEmitOnError": False}}


def _add(problems: Problems, unit: str, message: str) -> None:
    problems.setdefault(unit, []).append(message)


def _run(cmd: Sequence[str], cwd: Path, timeout: float, env: dict[str, str] | None = None) -> tuple[int | None, str]:
    """(exit code or None on timeout, stdout+stderr)."""
    try:
        r = subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False,
                           env={**os.environ, **(env or {})}, errors="backslashreplace")
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return None, out
    return r.returncode, r.stdout + r.stderr


# --- mypy and python import ----------------------------------------------------------------

MYPY_LINE = re.compile(r"(?P<unit>p[0-9a-f]{12})/(?P<file>[^:]+):(?P<line>\d+):(?:\d+:)? error: (?P<msg>.*)")


def mypy(base: Path, units: list[str], timeout: float) -> Problems:
    """`mypy --strict` over every unit in one run; a blocking error makes it retry them one by one."""
    problems: Problems = {}
    if not units:
        return problems
    (base / "mypy.ini").write_text("[mypy]\n", encoding="utf-8")
    cmd = [str(VENV_BIN / "mypy"), "--strict", "--config-file", "mypy.ini", "--no-incremental", "--cache-dir", os.devnull,
           "--no-error-summary", "--hide-error-context", "--no-pretty"]
    code, out = _run(cmd + units, base, timeout)
    if code is None:
        for u in units:
            _add(problems, u, f"mypy: did not finish within {timeout:.0f} s (batch of {len(units)})")
        return problems
    if code not in (0, 1) and len(units) > 1:  # a blocking error stops the whole run: find its unit
        for u in units:
            for k, v in mypy(base, [u], timeout).items():
                problems.setdefault(k, []).extend(v)
        return problems
    for line in out.splitlines():
        m = MYPY_LINE.match(line)
        if m:
            _add(problems, m["unit"], f"mypy: {m['file'].rsplit('/', 1)[-1]}: {m['msg']}")
        elif code not in (0, 1) and line.strip():
            _add(problems, units[0], f"mypy: {line[:300]}")
    return problems


def py_import(base: Path, units: dict[str, str], timeout: float) -> Problems:
    """Import each unit's package (and every module in it) in a fresh child, cwd = the unit's directory."""
    problems: Problems = {}
    if not units:
        return problems
    args = [x for unit, pkg in sorted(units.items()) for x in (str(base / unit), pkg)]
    seen: set[str] = set()
    code, out = _run([sys.executable, str(HERE / "py_import.py"), str(timeout), *args], base,
                     timeout * len(units) + 60)
    for line in out.split("\n"):
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        unit = Path(doc["dir"]).name
        seen.add(unit)
        if not doc["ok"]:
            _add(problems, unit, f"python import: {doc['error']}")
    for unit in sorted(set(units) - seen):
        _add(problems, unit, f"python import: no result (importer exit code {code}): {out[-300:]}")
    return problems


# --- tsc and node -----------------------------------------------------------------------------

TSC_LINE = re.compile(r"(?P<unit>t[0-9a-f]{12})/(?P<file>[^(]+)\((?P<line>\d+),(?P<col>\d+)\): error (?P<code>TS\d+): (?P<msg>.*)")


def tsc(base: Path, units: list[str], timeout: float) -> Problems:
    """`tsc --strict` (the options the project's own tests use) over every unit, emitting to js/."""
    problems: Problems = {}
    if not units:
        return problems
    (base / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
    if not (base / "node_modules").exists():  # the generated package's peer dependencies, for tsc and node alike
        (base / "node_modules").symlink_to(ROOT / "node_modules")
    (base / "tsconfig.json").write_text(json.dumps({**TSCONFIG, "include": [f"{u}/*.ts" for u in units]}), encoding="utf-8")
    code, out = _run([str(NODE_BIN / "tsc"), "-p", "tsconfig.json"], base, timeout)
    for u in units:  # the package is plain .js beside its .d.ts: tsc checks the types, node imports the .js as shipped
        for module in (base / u).glob("*.js"):
            (base / "js" / u).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(module, base / "js" / u / module.name)
    if code is None:
        for u in units:
            _add(problems, u, f"tsc: did not finish within {timeout:.0f} s (batch of {len(units)})")
        return problems
    for line in out.splitlines():
        m = TSC_LINE.match(line)
        if m:
            _add(problems, m["unit"], f"tsc: {m['file']}: {m['code']}: {m['msg']}")
        elif "error TS" in line:
            for u in units:
                _add(problems, u, f"tsc: {line[:300]}")
    return problems


def streamed(cmd: Callable[[list[str]], list[str]], items: list[str], cwd: Path, stall: float,
             start_of: Callable[[str], str | None]) -> dict[str, tuple[str, str]]:
    """Run `cmd(items)`; output names each item as it starts (`start_of(line)` -> item or None).

    Returns item -> (status, output): status `done` when the next item started or the tool
    exited, `stalled` when it printed nothing for `stall` seconds (the tool is killed and
    restarted on the items after it), `not run` for items the tool never reached.
    """
    results: dict[str, tuple[str, str]] = {}
    todo = list(items)
    while todo:
        proc = subprocess.Popen(cmd(todo), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert proc.stdout is not None
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        current: str | None = None
        buffer, lines = b"", list[str]()
        last = time.monotonic()
        stalled = False
        while True:
            if not sel.select(timeout=max(0.0, last + stall - time.monotonic())):
                stalled = True
                proc.kill()
                break
            chunk = os.read(proc.stdout.fileno(), 1 << 16)
            if not chunk:
                break
            last = time.monotonic()
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            for raw in complete:
                line = raw.decode("utf-8", "backslashreplace")
                item = start_of(line)
                if item is not None and item in todo:
                    if current is not None:
                        results[current] = ("done", "\n".join(lines))
                    current, lines = item, []
                lines.append(line)
        proc.wait()
        sel.close()
        proc.stdout.close()
        lines.append(buffer.decode("utf-8", "backslashreplace"))
        if current is None:  # died before naming any item: blame the first, go on with the rest
            current = todo[0]
        results[current] = ("stalled" if stalled else "done", "\n".join(lines))
        todo = todo[todo.index(current) + 1:]
        if not stalled and proc.returncode in (0, 1) and not todo:
            break
    for item in items:
        results.setdefault(item, ("not run", ""))
    return results


def node_import(base: Path, units: list[str], stall: float) -> Problems:
    """Import every emitted module of every unit, one unit at a time, cwd = the unit's js/ directory."""
    problems: Problems = {}
    if not units:
        return problems
    js = base / "js"
    items = [str(js / u) for u in units if (js / u).is_dir()]
    for u in units:
        if not (js / u).is_dir():
            _add(problems, u, "node import: tsc emitted no JavaScript")

    def start_of(line: str) -> str | None:
        return line[len("START "):] if line.startswith("START ") else None

    results = streamed(lambda todo: ["node", str(HERE / "js_import.mjs"), *todo], items, base, stall, start_of)
    for item, (status, output) in results.items():
        unit = Path(item).name
        if status == "stalled":
            _add(problems, unit, f"node import: did not finish within {stall:.0f} s")
        elif "\nOK" not in "\n" + output:
            # Node's own warnings share the stream and may precede `ERROR ` on its line (no newline of their own).
            detail = [ln.partition("ERROR ")[2] if "ERROR " in ln else ln
                      for ln in output.splitlines() if not ln.startswith("START ")]
            _add(problems, unit, "node import: " + (" ".join(detail)[:300] or f"node exited ({status})"))
    return problems


# --- promtool and ajv -----------------------------------------------------------------------


def promtool_check(base: Path, files: list[str], timeout: float) -> Problems:
    """`promtool check rules` on every file in one run; failures are printed as `<file>: <error>`."""
    problems: Problems = {}
    if not files:
        return problems
    code, out = _run([_promtool(), "check", "rules", *files], base, timeout)
    if code is None:
        for f in files:
            _add(problems, f.split("/", 1)[0], f"promtool check rules: did not finish within {timeout:.0f} s")
        return problems
    by_file = {f: f.split("/", 1)[0] for f in files}
    for line in out.splitlines():
        for f, unit in by_file.items():
            if line.startswith(f + ": "):
                _add(problems, unit, f"promtool check rules: {line[len(f) + 2:][:300]}")
    if code not in (0, 1):
        for unit in by_file.values():
            _add(problems, unit, f"promtool check rules: exit code {code}: {out[-300:]}")
    return problems


def promtool_test(base: Path, tests: list[str], stall: float) -> Problems:
    """`promtool test rules` on every test, streamed: a test that runs for `stall` seconds is a hang."""
    problems: Problems = {}

    def start_of(line: str) -> str | None:
        return line.split("Unit Testing:", 1)[1].strip() if line.startswith("Unit Testing:") else None

    for test in [t for t in tests if "\n" in t or "\r" in t]:
        _add(problems, test.split("/", 1)[0], "promtool test rules: cannot name a test file with a line break in it")
    tests = [t for t in tests if "\n" not in t and "\r" not in t]
    results = streamed(lambda todo: [_promtool(), "test", "rules", *todo], tests, base, stall, start_of)
    for test, (status, output) in results.items():
        unit = test.split("/", 1)[0]
        name = test.rsplit("/", 1)[-1]
        if status == "stalled":
            _add(problems, unit, f"promtool test rules: {name} did not finish within {stall:.0f} s")
        elif status == "not run" or "  SUCCESS" not in output:
            detail = " ".join(ln.strip() for ln in output.splitlines()[1:] if ln.strip())
            _add(problems, unit, f"promtool test rules: {name}: {detail[:400] or status}")
    return problems


def ajv(base: Path, schemas: list[str], timeout: float) -> Problems:
    """Compile every log schema with ajv (Draft 2020-12, strict, ajv-formats), a fresh Ajv per schema."""
    problems: Problems = {}
    if not schemas:
        return problems
    code, out = _run(["node", str(HERE / "ajv_compile.mjs"), *schemas], base, timeout)
    seen = set()
    for line in out.split("\n"):  # not splitlines(): JSON.stringify leaves U+2028 raw
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        seen.add(doc["file"])
        if not doc["ok"]:
            _add(problems, doc["file"].split("/", 1)[0], f"ajv: {doc['file'].rsplit('/', 1)[-1]}: {doc['error'][:300]}")
    for f in sorted(set(schemas) - seen):
        _add(problems, f.split("/", 1)[0], f"ajv: no result (exit code {code}): {out[-200:]}")
    return problems


def _promtool() -> str:
    found = shutil.which("promtool") or ("/usr/bin/promtool" if os.path.exists("/usr/bin/promtool") else None)
    if found is None:
        raise FileNotFoundError("promtool not found: `make test` installs it (Debian package `prometheus`)")
    return found
