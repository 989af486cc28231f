"""Rendering on several cores (backends/parallel.py) gives what one process gives: the files, and the errors.

`render_all(jobs=N)` forks N-1 workers that render the backends from one queue with the parent; the
tests hold every N to `jobs=1` on the Coach Up spec and every test case, show that a template error
raised in a worker surfaces in the parent with the one-process error's type and message (and that
the first failing backend in registry order wins whichever process rendered it), that a worker
that dies or sends garbage costs nothing but time, that the queue hands every backend to exactly
one process, and check the queue's order and the process count.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import CASES, SPEC, model_of, run_cli, tree

from obs_codegen.backends import BACKENDS, TARGETS, parallel, render_all, rendering
from obs_codegen.backends.escaped import UnescapedOutput
from obs_codegen.backends.templating import Templates
from obs_codegen.pipeline import Compiled
from obs_codegen.spec.model import Model

ROOT = Path(__file__).resolve().parent.parent


def queued() -> list[str]:
    return parallel.queue_order(sorted(set(BACKENDS) - TARGETS))


@pytest.mark.parametrize("jobs", [2, 3, 8])
def test_every_process_count_renders_the_same_files_as_one(coachup: Compiled, jobs: int) -> None:
    assert coachup.model is not None
    one = render_all(coachup.model, jobs=1)
    assert render_all(coachup.model, jobs=jobs) == one
    assert list(render_all(coachup.model, jobs=jobs)) == list(one)  # the same order too


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if (p / "spec.yaml").is_file()))
def test_each_case_renders_the_same_on_two_processes(case: str) -> None:
    model = model_of(CASES / case / "spec.yaml")
    assert render_all(model, jobs=2) == render_all(model, jobs=1)


def test_only_keeps_its_selection_and_targets_their_wrapped_files() -> None:
    model = model_of(CASES / "targets" / "spec.yaml")
    only = ["grafana_operator", "dashboards", "typescript"]
    assert render_all(model, only=only, jobs=2) == render_all(model, only=only, jobs=1)


def _broken_templates(tmp_path: Path, *languages: str) -> Templates:
    """Template overrides whose Python and/or TypeScript metrics module prints a value unescaped."""
    for language in languages:
        name = {"python": "python/metrics.py.j2", "typescript": "typescript/metrics.js.j2"}[language]
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text((ROOT / "templates" / name).read_text() + "\n{{ 42 }}\n")
    return Templates(tmp_path)


def _error(model: Model, templates: Templates, jobs: int) -> tuple[type[BaseException], str]:
    with pytest.raises(Exception) as info:
        render_all(model, templates, jobs=jobs)
    return info.type, str(info.value)


@pytest.mark.parametrize("languages", [("typescript",), ("python",), ("python", "typescript")])
def test_a_template_error_is_the_one_process_error(coachup: Compiled, tmp_path: Path,
                                                    languages: tuple[str, ...]) -> None:
    assert coachup.model is not None
    assert queued()[0] == "typescript"  # the worker's first backend; python goes to whichever process is free
    templates = _broken_templates(tmp_path, *languages)
    one = _error(coachup.model, templates, 1)
    assert one[0] is UnescapedOutput
    assert (languages[0] + "/metrics") in one[1]  # registry order: python's error first when both fail
    assert _error(coachup.model, templates, 2) == one
    assert _error(coachup.model, templates, 3) == one  # both in workers


def test_a_worker_that_dies_costs_only_time(coachup: Compiled, monkeypatch: pytest.MonkeyPatch) -> None:
    assert coachup.model is not None
    expected = render_all(coachup.model, jobs=1)
    parent = os.getpid()
    from obs_codegen.backends import typescript

    real = typescript.render

    def dies_in_a_worker(model: Model, templates: Templates) -> object:
        if os.getpid() != parent:
            os._exit(3)
        return real(model, templates)

    monkeypatch.setattr(typescript, "render", dies_in_a_worker)
    assert render_all(coachup.model, jobs=2) == expected


def test_a_worker_sending_garbage_costs_only_time(coachup: Compiled, monkeypatch: pytest.MonkeyPatch) -> None:
    assert coachup.model is not None
    expected = render_all(coachup.model, jobs=2)
    monkeypatch.setattr(parallel.pickle, "dump", lambda obj, pipe, **kw: pipe.write(b"not a pickle"))
    assert render_all(coachup.model, jobs=2) == expected


def test_the_backends_that_wrap_others_are_the_deploy_targets() -> None:
    """`rendering` shares out the backends that are not deploy targets without importing any module (each worker
    imports what it renders, after the fork): that holds only while exactly the targets wrap other backends."""
    import importlib

    wrapping = {n for n, module in BACKENDS.items() if getattr(importlib.import_module(module), "WRAPS", None) is not None}
    assert wrapping == TARGETS and TARGETS


def test_rendering_imports_no_backend_before_the_workers_start(coachup: Compiled) -> None:
    """Forking comes first; a backend module is imported by the process that renders it."""
    assert coachup.model is not None
    probe = ("import sys\nfrom obs_codegen.backends import BACKENDS, rendering\nfrom obs_codegen.pipeline import compile_spec\n"
             f"c = compile_spec({str(SPEC)!r}, 'spec/observability.yaml', lint=False)\n"
             "with rendering(c.model, jobs=2, parent_lints=True) as finish:\n"
             "    print(sorted(n for n, m in BACKENDS.items() if m in sys.modules))\n"
             "    files = finish()\n"
             "print(len(files))\n")
    r = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    before, count = r.stdout.splitlines()
    assert r.returncode == 0 and before == "[]" and int(count) == len(render_all(coachup.model)), r.stdout + r.stderr


def test_the_queue_holds_every_plain_backend_but_the_parents_heaviest_first() -> None:
    names = sorted(BACKENDS)
    order = parallel.queue_order(names)
    assert sorted(order) == sorted(set(names) - parallel.PARENT)
    weights = [parallel.WEIGHTS.get(n, 0.05) for n in order]
    assert weights == sorted(weights, reverse=True) and order[:2] == ["typescript", "python"]
    assert parallel.queue_order([]) == []


@pytest.mark.parametrize("count", [1, 2, 3, 20])
def test_every_queued_backend_is_rendered_once_by_some_process(count: int) -> None:
    """Workers and the parent drain one queue: each name is rendered by exactly one process, whatever the count."""
    queue = [f"b{i:02d}" for i in range(12)]
    parent = os.getpid()
    with parallel.workers(lambda name: (name, os.getpid()), queue, count) as (take, collect):
        mine = []
        while (name := take()) is not None:
            mine.append(name)
        theirs = collect()
    assert sorted([*mine, *theirs]) == queue and not set(mine) & set(theirs)
    pids = {pid for _, pid in theirs.values()}
    assert parent not in pids and len(pids) <= count
    assert all(theirs[n][0] == n for n in theirs)
    assert all(q in theirs for q in queue[:min(count, len(queue))])  # each worker's first backend is its own


def test_a_queue_too_long_for_one_ticket_write_is_rendered_by_the_parent() -> None:
    queue = [f"b{i}" for i in range(1000)]
    with parallel.workers(lambda name: name, queue, 2) as (take, collect):
        mine = []
        while (name := take()) is not None:
            mine.append(name)
        assert collect() == {} and mine == queue


def test_process_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.ENV, "3")
    assert parallel.jobs() == 3
    for off in ("1", "0", "-2", "many"):
        monkeypatch.setenv(parallel.ENV, off)
        assert parallel.jobs() == 1
    monkeypatch.delenv(parallel.ENV)
    assert parallel.jobs() == len(os.sched_getaffinity(0))
    monkeypatch.setenv(parallel.ENV, "4")
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert parallel.jobs() == 1  # a fork would copy this thread's locks, not the thread
    finally:
        stop.set()
        thread.join()


def _cli(*args: str, jobs: int) -> tuple[int, str, str]:
    result = run_cli(*args, env={parallel.ENV: str(jobs)})
    return result.returncode, result.stdout, result.stderr


def test_generate_lints_while_workers_render_and_reports_as_one_process(tmp_path: Path) -> None:
    """`generate` starts rendering before the lint verdict; what it prints, exits and writes is unchanged."""
    outs = {jobs: tmp_path / f"out-{jobs}" for jobs in (1, 2)}
    runs = {jobs: _cli("generate", "--out", str(out), jobs=jobs) for jobs, out in outs.items()}
    assert runs[1][0] == 0 and runs[1] == (runs[2][0], runs[2][1], runs[2][2].replace(str(outs[2]), str(outs[1])))
    assert tree(outs[1]) == tree(outs[2])
    bad = tmp_path / "bad.yaml"  # resolves, but the lint refuses it: metrics over the series budget
    spec = (ROOT / "spec" / "observability.yaml").read_text(encoding="utf-8")
    assert "series_budget: 20000" in spec
    bad.write_text(spec.replace("series_budget: 20000", "series_budget: 3", 1), encoding="utf-8")
    refused = {jobs: _cli("generate", "--spec", str(bad), "--out", str(tmp_path / f"bad-{jobs}"), jobs=jobs)
               for jobs in (1, 2)}
    assert refused[1][0] == 1 and "nothing was generated" in refused[1][2]
    assert refused[1] == refused[2]
    assert not (tmp_path / "bad-1").exists() and not (tmp_path / "bad-2").exists()


def test_leaving_early_kills_the_workers(coachup: Compiled, monkeypatch: pytest.MonkeyPatch) -> None:
    """A caller that gives up (the lint refused the spec) waits for no worker and leaves none behind."""
    assert coachup.model is not None
    import importlib

    parent = os.getpid()
    stuck = queued()[0]  # a worker's first backend
    module = importlib.import_module(BACKENDS[stuck])
    real = module.render

    def hangs_in_a_worker(model: Model, templates: Templates) -> object:
        if os.getpid() != parent:
            threading.Event().wait()  # forever
        return real(model, templates)

    monkeypatch.setattr(module, "render", hangs_in_a_worker)
    with rendering(coachup.model, jobs=2):
        pass
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child left, running or unreaped


def test_jobs_flag_overrides_the_environment(tmp_path: Path) -> None:
    one = run_cli("generate", "--jobs", "1", "--out", str(tmp_path / "one"), env={parallel.ENV: "4"})
    two = run_cli("check", "--full", "--jobs", "2", "--out", str(tmp_path / "one"), env={parallel.ENV: "1"})
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    assert tree(tmp_path / "one") == tree(ROOT / "out")
    refused = run_cli("generate", "--jobs", "0", "--out", str(tmp_path / "zero"))
    assert refused.returncode == 2 and "--jobs" in refused.stderr and not (tmp_path / "zero").exists()


@pytest.mark.parametrize("parent_lints, workers", [(False, 1), (True, 2)])
def test_a_parent_that_lints_gets_jobs_workers_beside_it(coachup: Compiled, monkeypatch: pytest.MonkeyPatch,
                                                       parent_lints: bool, workers: int) -> None:
    """`jobs=2`: two processes in all for a plain render, two workers beside a parent that lints (`generate`);
    the parent renders the `PARENT` backends, and neither of the two largest while the workers live."""
    assert coachup.model is not None
    expected = render_all(coachup.model, jobs=1)
    seen: list[int] = []
    taken: list[str] = []
    real = parallel.workers

    @contextmanager
    def spy(render: Any, queue: list[str], count: int) -> Iterator[Any]:
        seen.append(count)
        assert "prometheus" not in queue
        with real(render, queue, count) as (take, collect):

            def parent_takes() -> str | None:
                name = take()
                if name is not None:
                    taken.append(name)
                return name

            yield parent_takes, collect

    monkeypatch.setattr(parallel, "workers", spy)
    with rendering(coachup.model, Templates(), jobs=2, parent_lints=parent_lints) as finish:
        files = finish()
    assert files == expected
    assert seen == [workers]
    if parent_lints:
        assert not {"python", "typescript"} & set(taken)
