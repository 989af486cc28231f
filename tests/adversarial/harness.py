"""Run cases end to end: sandbox, lint and generate with timeouts, consumer batches; one verdict per case.

A case passes when it has no problem at all:
  * every command exits 0, 1 or 2 within the timeout, without a traceback or "internal error",
    and prints diagnostics as `file:line:col: severity[rule]: message` (JSON and GitHub formats
    likewise), without raw control characters;
  * the lint formats agree, and generate succeeds exactly when lint does (creating no out/ when not);
  * nothing in the sandbox changes but out/, which holds exactly what its manifest lists;
  * when generate succeeds, every consumer accepts the output (consumers.py) and importing the
    generated Python and JavaScript creates no marker file.
"""

from __future__ import annotations

import json
import os
import resource
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import runner, sandbox
from .base import BASE_YAML
from .clichecks import consistency_problems
from .consumers import Consumers
from .generate import Case

MANIFEST = ".obs-codegen-manifest.json"


@dataclass
class Verdict:
    """The outcome of one case: its problems (empty: it passed) and the runs behind them."""

    case: Case
    case_dir: Path
    problems: list[str] = field(default_factory=list)
    runs: dict[str, runner.CliRun] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def generated(self) -> bool:
        run = self.runs.get("generate")
        return run is not None and run.code == 0

    @property
    def lint_code(self) -> int | None:
        run = self.runs.get("lint")
        return run.code if run else None


@dataclass
class Settings:
    jobs: int = 2
    timeout: float = 20.0  # one CLI command
    stall: float = 60.0  # one streamed consumer unit (a promtool test, an import): a hang detector, generous under load
    batch_timeout: float = 900.0  # one batched consumer run (mypy, tsc over every unit)
    commands: tuple[str, ...] = runner.DEFAULT_COMMANDS

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ.get
        return cls(int(env("ADVERSARIAL_JOBS", "2")), float(env("ADVERSARIAL_TIMEOUT", "20")),
                   float(env("ADVERSARIAL_STALL", "60")), float(env("ADVERSARIAL_BATCH_TIMEOUT", "900")))


def generated_files(out: Path) -> dict[str, bytes]:
    """The files out/'s manifest lists (only regular files inside out/)."""
    try:
        listed = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    files = {}
    for rel in listed:
        path = out / rel
        if path.is_file() and not path.is_symlink() and path.resolve().is_relative_to(out.resolve()):
            files[rel] = path.read_bytes()
    return files


Tamper = Callable[[dict[str, bytes]], dict[str, bytes]]


def run(cases: list[Case], root: Path, settings: Settings | None = None, log: bool = False,
        tamper: Mapping[str, Tamper] | None = None) -> dict[str, Verdict]:
    """Run every case under `root` (created; must not exist or be empty) and return verdicts by id.

    `tamper[case_id]` rewrites that case's generated files before the consumers see them: the
    control cases use it to prove that each consumer check reports what it should.
    """
    settings = settings or Settings()
    started = time.monotonic()
    canary = sandbox.make_root(root)
    names = {case.id: f"{i:04d}" for i, case in enumerate(cases)}
    dirs = {case.id: root / "cases" / names[case.id] for case in cases}
    before = {case.id: sandbox.make_case_dir(dirs[case.id], case.text) for case in cases}
    verdicts = {case.id: Verdict(case, dirs[case.id]) for case in cases}
    (root / "consumers").mkdir()
    base = root / "consumers" / "base.yaml"
    base.write_text(BASE_YAML, encoding="utf-8")
    listing = {p.name for p in root.iterdir()} | {p.name for p in (root / "cases").iterdir()}
    allowed = {"canary", "cases", "consumers"} | set(names.values())

    def done(cid: str) -> None:
        """Right after a case: anything new at the root or in cases/ is blamed on it (or a case running with it)."""
        nonlocal listing
        now = {p.name for p in root.iterdir()} | {p.name for p in (root / "cases").iterdir()}
        for name in sorted(now - listing - allowed):
            verdicts[cid].problems.append(f"sandbox: created {name!r} beside the case directories "
                                          "(this case or one running at the same time)")
        listing = now

    with runner.warm_templates():
        runner.preload(base)
        streams = runner.stream_settings()
        results = runner.run_commands(dirs, settings.timeout, settings.jobs, streams, done, settings.commands)
    if log:
        print(f"adversarial: {len(cases)} cases through lint and generate in {time.monotonic() - started:.0f} s "
              f"({_cpu():.0f} CPU s so far)", flush=True)
    consumers = Consumers(root / "consumers", settings.jobs, settings.batch_timeout, settings.stall)
    for case in cases:
        v = verdicts[case.id]
        v.runs = {r.command: r for r in results[case.id]}
        for r in results[case.id]:
            v.problems += [f"{r.command}: {p}" for p in r.problems]
        v.problems += consistency_problems(v.runs, (dirs[case.id] / "out").exists())
        v.problems += sandbox.case_problems(dirs[case.id], before[case.id], v.generated)
        if v.generated:
            files = generated_files(dirs[case.id] / "out")
            consumers.add(case.id, (tamper or {}).get(case.id, lambda f: f)(files))
    if log:
        print(f"adversarial: consumers check {consumers.sizes()}", flush=True)
    by_case = consumers.run()
    if log:
        print("adversarial: " + ", ".join(f"{k} {v:.0f} s" for k, v in sorted(consumers.timings.items())), flush=True)
    for cid, problems in by_case.items():
        verdicts[cid].problems += problems
    for problem in sandbox.root_problems(root, canary, set(names.values())):
        for v in verdicts.values():
            v.problems.append(problem)
    for v in verdicts.values():
        v.problems = list(dict.fromkeys(v.problems))  # same problem from two units: once
    if log:
        failed = sum(not v.ok for v in verdicts.values())
        print(f"adversarial: {failed} of {len(cases)} cases fail; {time.monotonic() - started:.0f} s, {_cpu():.0f} CPU s in all",
              flush=True)
    return verdicts


def _cpu() -> float:
    """CPU seconds of this process and every child it has waited for."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
