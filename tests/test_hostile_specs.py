"""The standing adversarial suite: hundreds of hostile specs through lint, generate and every consumer.

tests/adversarial/ generates the cases (one mutation of a small valid spec each: injection
strings in every field, hostile names, wrong types, YAML-level hostility, boundary numbers,
missing sections, large specs) and runs them (harness.py): each case's `lint` (and `--format
github` where escaping can matter) and `generate` run in a watched sandbox with a timeout, and
whatever generates goes through py_compile, mypy --strict, `import`, tsc --strict, node, promtool
check and test, ajv, jsonschema, JSON, YAML and TOML parsers, batched so each distinct artifact
is checked once.
A case passes only when nothing is wrong anywhere; `make adversarial` runs the full-size set.

KNOWN_FAILING lists the cases that fail today, each with the reason and the part of issue 18
expected to fix it. It is strict both ways: a listed case that passes fails the suite (remove it
from the list as its fix lands), and so does any unlisted case that fails. The control cases
(CONTROLS) tamper with generated output and must be caught: proof that each consumer check bites.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from adversarial import generate, harness, report, runner, sandbox
from adversarial.clichecks import cli_problems, consistency_problems
from adversarial.generate import Case
from adversarial.known_failing import KNOWN_FAILING
from adversarial.report import show_id
from conftest import OBS_CODEGEN

Files = dict[str, bytes]
# One worker runs the whole module, so the session fixture `verdicts` (the harness run) is computed once
# (`make test` passes --dist loadfile); the harness parallelises internally.
pytestmark = pytest.mark.xdist_group("adversarial")


def _edit(prefix: str, suffix: str, old: str, new: str, count: int = 1) -> Callable[[Files], Files]:
    """Replace `old` by `new` in the first generated file whose path starts with `prefix` and ends with `suffix`."""
    def tamper(files: Files) -> Files:
        path = next(p for p in sorted(files) if p.startswith(prefix) and p.endswith(suffix))
        text = files[path].decode()
        assert old in text, (path, old)
        return {**files, path: text.replace(old, new, count).encode()}
    return tamper


def _append(prefix: str, suffix: str, extra: str) -> Callable[[Files], Files]:
    def tamper(files: Files) -> Files:
        path = next(p for p in sorted(files) if p.startswith(prefix) and p.endswith(suffix))
        return {**files, path: files[path] + extra.encode()}
    return tamper


# control id -> (how to spoil BASE's generated output, the problem that must be reported)
CONTROLS: dict[str, tuple[Callable[[Files], Files], str]] = {
    "control-py-syntax": (_append("python/", "/metrics.py", "\ndef (:\n"), "py_compile: metrics.py"),
    "control-mypy": (_append("python/", "/metrics.py", "\nBAD: int = 'x'\n"), "mypy: metrics.py"),
    "control-py-import": (_append("python/", "/metrics.py", "\nraise RuntimeError('boom')\n"), "python import: RuntimeError"),
    "control-py-marker": (_append("python/", "/metrics.py", "\nopen('PWNED-control-py', 'w').close()\n"), "injection: "),
    "control-tsc": (_append("typescript/", "/metrics.d.ts", "\nexport declare const BAD: NoSuchType;\n"), "tsc: metrics.d.ts"),
    "control-js-marker": (_append("typescript/", "/metrics.js",
                                  '\n(await import("node:fs")).writeFileSync("PWNED-control-js", "");\n'), "injection: "),
    "control-js-throw": (_append("typescript/", "/metrics.js", '\nthrow new Error("boom");\n'), "node import: Error: boom"),
    "control-rules": (_edit("prometheus/rules/", ".yml", "record: ", "record: x "), "promtool check rules: "),
    "control-promtest": (_edit("prometheus/tests/ApiLatencyHigh", ".yml", "severity: page", "severity: pagex"),
                         "promtool test rules: ApiLatencyHigh.test.yml: FAILED"),
    "control-ajv": (_edit("schemas/logs/", ".json", '"type": "object"', '"type": "object", "pattern": "\\\\-"'), "ajv: "),
    "control-json": (_edit("grafana/dashboards/", ".json", "{", "{,"), "json: "),
    "control-yaml": (_append("grafana/provisioning/", ".yaml", "\n\t: [\n"), "yaml: "),
    "control-toml": (_append("python/pyproject", ".toml", '\nx = "\n'), "toml: "),
    "control-paths": (lambda files: {**files, "docs/a\nb.md": b"x\n"}, "paths: "),
    "control-shadow": (lambda files: {(p.replace("/shop_obs/", "/json/") if p.startswith("python/shop_obs/") else p): d
                                      for p, d in files.items()}, "python package: 'json' shadows"),
}

FULL = os.environ.get("ADVERSARIAL") == "full"
CASES: list[Case] = [generate.base_case(), *(Case(cid, "control", generate.base_case().text, f"BASE, then: {cid}")
                                             for cid in CONTROLS), *generate.cases(FULL)]
BY_ID = {c.id: c for c in CASES}


@pytest.fixture(scope="session")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, harness.Verdict]:
    tamper = {cid: fn for cid, (fn, _) in CONTROLS.items()}
    verdicts = harness.run(CASES, tmp_path_factory.mktemp("adversarial") / "run", harness.Settings.from_env(), tamper=tamper)
    if os.environ.get("ADVERSARIAL_JSON"):  # every verdict, for reports (see tests/adversarial/report.py)
        Path(os.environ["ADVERSARIAL_JSON"]).write_text(json.dumps(report.as_json(verdicts), indent=1), encoding="utf-8")
    return verdicts


@pytest.mark.parametrize("case_id", list(BY_ID), ids=[show_id(c) for c in BY_ID])
def test_hostile_spec(verdicts: dict[str, harness.Verdict], case_id: str) -> None:
    """Lint rejects the spec with positioned diagnostics, or generates output every consumer accepts."""
    v = verdicts[case_id]
    detail = f"{show_id(case_id)}: {BY_ID[case_id].note}\n" + "\n".join(v.problems) + "\n\nspec change:\n" + v.case.snippet()
    if case_id in CONTROLS:
        expected = CONTROLS[case_id][1]
        assert any(p.startswith(expected) for p in v.problems), f"control not caught, expected {expected!r}:\n{detail}"
    elif case_id in KNOWN_FAILING:
        assert not v.ok, f"{show_id(case_id)} passes now: delete it from KNOWN_FAILING ({KNOWN_FAILING[case_id]})"
    else:
        assert v.ok, detail


def test_known_failing_lists_only_cases_of_the_default_set() -> None:
    """A stale id in KNOWN_FAILING would excuse nothing and hide that the case was renamed or dropped."""
    default = {c.id for c in CASES} if not FULL else {c.id for c in generate.cases()}
    stale = sorted(set(KNOWN_FAILING) - default)
    assert stale == []


def test_cases_are_deterministic_round_trip_and_cover_every_variant() -> None:
    """Same ids and bytes as at collection; each YAML holds exactly the mutated data (surrogates, NUL and
    NEL survive as escapes); every payload, name variant, wrong type and class is in the default set."""
    from adversarial import payloads

    again = list(generate.all_cases(False))
    default = [c for c in CASES if c.cls not in ("base", "control")] if not FULL else generate.cases()
    assert [(c.id, c.text) for c, _ in again] == [(c.id, c.text) for c in default]
    assert [c.id for c, data in again if data is not None and not generate.round_trips(c, data)] == []
    ids = [c.id for c, _ in again]
    assert len(set(ids)) == len(ids) and 250 <= len(ids) <= 600
    for table, cls in ((payloads.INJECT, "inject"), (payloads.NAMES, "name"), (payloads.TYPES, "type")):
        missing = [v for v in table if not any(i.startswith(f"{cls}-{v}@") for i in ids)]
        assert missing == [], f"{cls} variants without a case: {missing}"
    assert {c.cls for c, _ in again} == {"inject", "name", "type", "num", "yaml", "struct", "size"}


# --- the harness itself ----------------------------------------------------------------------

def test_in_process_runs_match_the_real_cli(verdicts: dict[str, harness.Verdict], tmp_path: Path) -> None:
    """The forked runs report what the installed `obs-codegen` executable does: exit code, stdout, stderr."""
    sample = ["base", "inject-surrogate-high@key:headers.x-request-id", "yaml-utf16le", "inject-nul@project.title"]
    for cid in [c for c in sample if c in BY_ID]:
        work = tmp_path / show_id(cid).replace("/", "_")
        work.mkdir()
        (work / "spec.yaml").write_bytes(BY_ID[cid].text)
        for command in ("lint", "lint-github", "generate"):
            run = verdicts[cid].runs.get(command)
            if run is None or run.code is None:
                continue
            real = subprocess.run([OBS_CODEGEN, *runner.COMMANDS[command]], cwd=work, capture_output=True, timeout=120)
            stdout, stderr = (s.decode("utf-8", "backslashreplace") for s in (real.stdout, real.stderr))
            assert (real.returncode, stdout) == (run.code, run.stdout), (cid, command, stderr[-500:])
            if "Traceback (most recent call last)" in stderr:  # the frames above the CLI differ; the error does not
                stderr, theirs = stderr.rstrip().rsplit("\n", 1)[-1], run.stderr.rstrip().rsplit("\n", 1)[-1]
            else:
                theirs = run.stderr
            assert stderr == theirs, (cid, command)


def test_a_hanging_command_is_killed_and_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setattr(runner, "_invoke", lambda argv: time.sleep(3600) or 0)
    (tmp_path / "spec.yaml").write_text("version: 1\n")
    results = runner.run_commands({"hang": tmp_path}, timeout=1.0, jobs=1, streams=("utf-8", "strict", "backslashreplace"))
    assert [r.problems for r in results["hang"]] == [["hang: did not finish within 1 s"]]


def test_cli_checks_catch_tracebacks_bad_formats_and_inconsistency() -> None:
    tb = 'Traceback (most recent call last):\n  File "/x/obs_codegen/cli/main.py", line 9, in lint\nValueError: bad\n'
    assert cli_problems("lint", 1, "", tb) == ["traceback: ValueError at obs_codegen/cli/main.py:9 in lint: ValueError: bad"]
    assert cli_problems("lint", 1, "", "spec.yaml:3:5: error[spec-type]: x\nobs-codegen: 1 error(s)\n") == []
    assert cli_problems("lint", 1, "", "spec.yaml:3:5: error[spec-type]: a\nb\n")[0].startswith("lint format:")
    assert cli_problems("lint", 1, "", "spec.yaml:3:5: error[spec-type]: a \x1b[2J\n")[0].startswith("raw control")
    assert cli_problems("lint-json", 1, '[{"file": "s", "line": 0}]', "")[0].startswith("lint json:")
    assert cli_problems("generate", 3, "", "") == ["exit code: 3 (expected 0, 1 or 2)"]

    class Run:
        def __init__(self, code: int) -> None:
            self.code = code

    assert consistency_problems({"lint": Run(0), "generate": Run(2)}, False) == [
        "consistency: lint is clean but generate exits 2"]
    assert consistency_problems({"lint": Run(1), "generate": Run(1)}, True) == ["consistency: generate failed but created out/"]


def test_sandbox_sees_every_change_outside_out(tmp_path: Path) -> None:
    before = sandbox.make_case_dir(tmp_path / "c", b"version: 1\n")
    assert sandbox.case_problems(tmp_path / "c", before, generated=False) == []
    (tmp_path / "c" / ".out.staging-1").mkdir()
    (tmp_path / "c" / "canary" / "keep.txt").write_bytes(b"changed\n")
    (tmp_path / "c" / "out").mkdir()
    (tmp_path / "c" / "out" / "stray.txt").write_text("x")
    problems = sandbox.case_problems(tmp_path / "c", before, generated=False)
    assert problems == ["sandbox: created '.out.staging-1' outside out/", "sandbox: modified 'canary/keep.txt' outside out/"]
    assert sandbox.case_problems(tmp_path / "c", before, generated=True)[-1] == \
        "sandbox: out/ has no readable manifest (FileNotFoundError)"
