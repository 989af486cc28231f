"""Every consumer check on every generated tree, batched: distinct artifacts are checked once.

`Consumers.add(case_id, files)` takes a case's generated files (relative path -> bytes), runs
the in-process checks (static.py) and files each artifact under its content hash: cases that
generate the same Python package, the same rules file or the same promtool test share one
check. `run()` runs the external tools (tools.py), several at a time, and returns the problems
of each case, prefixed by the consumer that found them.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from . import static, tools
from .sandbox import markers


def _key(items: Mapping[str, bytes]) -> str:
    h = hashlib.sha256()
    for path in sorted(items):
        h.update(path.encode("utf-8", "surrogateescape") + b"\0" + items[path] + b"\0")
    return h.hexdigest()[:12]


def _write(root: Path, files: Mapping[str, bytes]) -> None:
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


@dataclass
class Consumers:
    """The batches of one run; `root` is where their working directories go."""

    root: Path
    jobs: int = 2
    timeout: float = 600.0  # for a whole batch (mypy, tsc)
    stall: float = 60.0  # for one unit of a streamed tool (a promtool test, a node import)
    problems: dict[str, list[str]] = field(default_factory=dict)  # case -> in-process problems
    users: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (tool, unit) -> cases
    python: dict[str, str] = field(default_factory=dict)  # unit -> package name
    typescript: set[str] = field(default_factory=set)
    rules: list[str] = field(default_factory=list)
    tests: list[str] = field(default_factory=list)
    schemas: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # job -> seconds (for the log)

    def _use(self, tool: str, unit: str, case: str) -> bool:
        """Record that `case` produced `unit`; True the first time the unit is seen."""
        users = self.users.setdefault((tool, unit), [])
        users.append(case)
        return len(users) == 1

    def add(self, case: str, files: Mapping[str, bytes]) -> None:
        problems = static.tree_problems(files)
        self.problems[case] = problems
        self._add_python(case, files, problems)
        self._add_typescript(case, files)
        self._add_prometheus(case, files)
        for path, data in files.items():
            if path.startswith("schemas/") and path.endswith(".schema.json"):
                unit = "s" + _key({path: data})
                if self._use("ajv", unit, case):
                    _write(self.root / "ajv" / unit, {PurePosixPath(path).name: data})
                    self.schemas.append(f"{unit}/{PurePosixPath(path).name}")

    def _add_python(self, case: str, files: Mapping[str, bytes], problems: list[str]) -> None:
        py = {p[len("python/"):]: d for p, d in files.items() if p.startswith("python/")}
        packages = static.python_packages(files)
        if not py or len(packages) != 1 or any(p.startswith("python package:") and "importable" in p for p in problems):
            return
        if any(p.startswith(("py_compile:", "utf-8: python/")) for p in problems):
            return  # reported; mypy would stop at the syntax error and the import would fail the same way
        unit = "p" + _key(py)
        if self._use("python", unit, case):
            _write(self.root / "py" / unit, {**py, "__init__.py": b""})
            self.python[unit] = packages[0]

    def _add_typescript(self, case: str, files: Mapping[str, bytes]) -> None:
        ts = {p[len("typescript/"):]: d for p, d in files.items() if p.startswith("typescript/") and p.endswith((".ts", ".js"))}
        if not ts:
            return
        unit = "t" + _key(ts)
        if self._use("typescript", unit, case):
            _write(self.root / "ts" / unit, ts)
            self.typescript.add(unit)

    def _add_prometheus(self, case: str, files: Mapping[str, bytes]) -> None:
        prom = {p[len("prometheus/"):]: d for p, d in files.items() if p.startswith("prometheus/")}
        for path, data in prom.items():
            if path.startswith("rules/"):
                unit = "r" + _key({path: data})
                if self._use("rules", unit, case):
                    _write(self.root / "rules" / unit, {PurePosixPath(path).name: data})
                    self.rules.append(f"{unit}/{PurePosixPath(path).name}")
        for path, data in prom.items():
            if not path.startswith("tests/"):
                continue
            needed = {path: data, **{r: prom[r] for r in _rule_files(path, data) if r in prom}}
            unit = "x" + _key(needed)
            if self._use("promtest", unit, case):
                _write(self.root / "prom" / unit, needed)
                self.tests.append(f"{unit}/{path}")

    def sizes(self) -> str:
        return (f"{len(self.python)} Python packages, {len(self.typescript)} TypeScript packages, {len(self.rules)} rules files, "
                f"{len(self.tests)} promtool tests, {len(self.schemas)} log schemas")

    def run(self) -> dict[str, list[str]]:
        """Run every batch; problems per case (in-process ones first)."""
        results: dict[str, tools.Problems] = {}
        slots = threading.Semaphore(self.jobs)
        # SLO tests take seconds, alert tests a fraction: deal them out alternately so both streams end together
        tests = sorted(self.tests, key=lambda t: (not t.rsplit("/", 1)[-1].startswith("slo-"), t))

        def job(name: str, fn: Callable[[], tools.Problems]) -> Callable[[], None]:
            def body() -> None:
                with slots:
                    started = time.monotonic()
                    try:
                        results[name] = fn()
                    except Exception as exc:  # noqa: BLE001 - a broken tool fails every unit, visibly
                        results[name] = {"*": [f"{name}: the harness failed to run it: {type(exc).__name__}: {exc}"]}
                    self.timings[name] = time.monotonic() - started
            return body

        def ts_then_node() -> tools.Problems:
            found = tools.tsc(self.root / "ts", sorted(self.typescript), self.timeout)
            for unit, more in tools.node_import(self.root / "ts", sorted(self.typescript), self.stall).items():
                found.setdefault(unit, []).extend(more)
            return found

        chunks = [tests[i::4] for i in range(4)]  # four streams, two at a time: a hanging test holds up one quarter
        jobs = [
            *(job(f"promtest-{i + 1}", lambda c=c: tools.promtool_test(self.root / "prom", c, self.stall))
              for i, c in enumerate(chunks)),
            job("typescript", ts_then_node),
            job("mypy", lambda: tools.mypy(self.root / "py", sorted(self.python), self.timeout)),
            job("python", lambda: tools.py_import(self.root / "py", self.python, self.stall)),
            job("rules", lambda: tools.promtool_check(self.root / "rules", self.rules, self.timeout)),
            job("ajv", lambda: tools.ajv(self.root / "ajv", self.schemas, self.timeout)),
        ]
        threads = [threading.Thread(target=j, daemon=True) for j in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return self._by_case(results)

    def _by_case(self, results: dict[str, tools.Problems]) -> dict[str, list[str]]:
        out = {case: list(problems) for case, problems in self.problems.items()}
        tool_of = {**{f"promtest-{i}": "promtest" for i in range(1, 5)}, "typescript": "typescript", "mypy": "python",
                   "python": "python", "rules": "rules", "ajv": "ajv"}
        for name, found in results.items():
            for unit, problems in found.items():
                cases = (self.users.get((tool_of[name], unit), []) if unit != "*"
                         else sorted({c for (t, _), cs in self.users.items() if t == tool_of[name] for c in cs}))
                for case in cases:
                    out.setdefault(case, []).extend(problems)
        for (tool, unit), cases in self.users.items():
            where = {"python": self.root / "py" / unit, "typescript": self.root / "ts" / "js" / unit}.get(tool)
            if where is None or not where.is_dir():
                continue
            for _, paths in sorted(markers(where).items()):
                for case in cases:
                    out.setdefault(case, []).append(
                        f"injection: importing the generated {tool} package ran code (it created {paths[0]})")
        return out


def _rule_files(test_path: str, data: bytes) -> list[str]:
    """The rules files a promtool test loads, relative to prometheus/ (unparsable: none)."""
    try:
        doc: Any = yaml.safe_load(data)
        names = doc.get("rule_files", []) if isinstance(doc, dict) else []
    except yaml.YAMLError:
        return []
    base = PurePosixPath(test_path).parent
    out = []
    for name in names if isinstance(names, list) else []:
        parts: list[str] = []
        for part in (base / str(name)).parts:
            if part == "..":
                if parts:
                    parts.pop()
            elif part != ".":
                parts.append(part)
        out.append("/".join(parts))
    return out
