"""Per-rule lint fixtures, the rule registry, and the issue's lint scenario through the real CLI.

Every `tests/rules/<rule-id>.yaml` (or `<rule-id>--<variant>.yaml`) is a small spec
(with the files it includes from tests/rules/include/, whose expectations count too),
valid apart from its defects, whose offending lines carry their expectations as a
trailing comment:

    api.request.count: {type: gauge, ...}  # expect: metric-type@29
    freeText: {type: string, ...}          # expect: tag-kind@3:warning

`rule@column` expects an error at that line and column, `rule@column:warning` a
warning; several may share a line. The harness compiles each fixture and requires
the set of (file, line, column, rule, severity) of ALL diagnostics to equal the
expected set exactly, so a fixture fails on a missing finding, an extra one, or a
finding at the wrong token. A line `# pad-to-bytes: N` makes the harness pad a copy
of the fixture to N bytes first (the size-limit rule needs a large file).
"""

from __future__ import annotations

import json
import re
import subprocess
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

from obs_codegen.lint import RULES
from obs_codegen.pipeline import compile_spec

FIXTURES = ROOT / "tests" / "rules"
EXPECT = re.compile(rb"# expect:(.*)$")
TOKEN = re.compile(r"^([a-z][a-z0-9-]*)@([0-9]+)(?::(error|warning))?$")
PAD = re.compile(rb"^# pad-to-bytes: ([0-9]+)$", re.MULTILINE)

Finding = tuple[str, int, int, str, str]  # file, line, column, rule, severity


def fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob("*.yaml"))


def rule_of(fixture: Path) -> str:
    """The rule a fixture is for: its file name up to an optional `--variant`."""
    return fixture.stem.split("--", 1)[0]


def display(fixture: Path) -> str:
    return fixture.relative_to(ROOT).as_posix()


def expected_findings(raw: bytes, name: str) -> set[Finding]:
    """Parse the `# expect:` comments (read as bytes: some fixtures are deliberately not UTF-8)."""
    out: set[Finding] = set()
    for lineno, line in enumerate(raw.split(b"\n"), 1):
        m = EXPECT.search(line)
        if not m:
            continue
        for token in m.group(1).decode("ascii").split():
            t = TOKEN.match(token)
            assert t, f"{name}:{lineno}: malformed expectation {token!r} (want rule@column[:warning])"
            out.add((name, lineno, int(t.group(2)), t.group(1), t.group(3) or "error"))
    return out


def all_expected(fixture: Path) -> set[Finding]:
    """The fixture's expectations, and those in every file it includes (tests/rules/include/*.yaml)."""
    expected = expected_findings(fixture.read_bytes(), display(fixture))
    for _, name, raw in compile_spec(fixture, display(fixture), lint=False).source.included:
        expected |= expected_findings(raw, name)
    return expected


def actual_findings(fixture: Path, tmp_path: Path) -> set[Finding]:
    raw = fixture.read_bytes()
    path = fixture
    pad = PAD.search(raw)
    if pad:
        size = int(pad.group(1))
        path = tmp_path / fixture.name
        path.write_bytes(raw + b"#" * (size - len(raw) - 1) + b"\n")
    compiled = compile_spec(path, display(fixture))
    return {(d.file, d.line, d.column, d.rule, d.severity) for d in compiled.diagnostics}


def _diff(expected: set[Finding], actual: set[Finding]) -> str:
    def fmt(f: Finding) -> str:
        return f"{f[0]}:{f[1]}:{f[2]}: {f[4]}[{f[3]}]"

    missing = "".join(f"\n  missing:    {fmt(f)}" for f in sorted(expected - actual))
    extra = "".join(f"\n  unexpected: {fmt(f)}" for f in sorted(actual - expected))
    return missing + extra


@pytest.mark.parametrize("fixture", fixture_files(), ids=lambda p: p.stem)
def test_fixture_diagnostics_are_exactly_the_expected_ones(fixture: Path, tmp_path: Path) -> None:
    expected = all_expected(fixture)
    actual = actual_findings(fixture, tmp_path)
    assert actual == expected, _diff(expected, actual)


@pytest.mark.parametrize("fixture", fixture_files(), ids=lambda p: p.stem)
def test_fixture_exercises_the_rule_it_is_named_for(fixture: Path) -> None:
    rule = rule_of(fixture)
    assert rule in RULES, f"{fixture.name}: no registered rule '{rule}'"
    expected = all_expected(fixture)
    assert rule in {f[3] for f in expected}, f"{fixture.name} never expects its own rule '{rule}'"
    unknown = {f[3] for f in expected} - set(RULES)
    assert not unknown, f"{fixture.name} expects unregistered rules {sorted(unknown)}"


def test_every_registered_rule_has_a_fixture() -> None:
    covered = {rule_of(f) for f in fixture_files()}
    missing = sorted(set(RULES) - covered)
    assert not missing, f"add tests/rules/<rule-id>.yaml for: {', '.join(missing)}"


def test_every_rule_is_triggered_by_some_fixture(tmp_path: Path) -> None:
    seen = set()
    for fixture in fixture_files():
        seen |= {f[3] for f in actual_findings(fixture, tmp_path)}
    assert seen == set(RULES), f"never triggered: {sorted(set(RULES) - seen)}"


def test_harness_catches_a_missing_an_extra_and_a_misplaced_finding(tmp_path: Path) -> None:
    fixture = FIXTURES / "metric-type.yaml"
    raw = fixture.read_bytes()
    expected = expected_findings(raw, display(fixture))
    actual = actual_findings(fixture, tmp_path)
    assert actual == expected
    one = min(expected)
    moved = (one[0], one[1], one[2] + 1, one[3], one[4])
    for wrong in (expected - {one}, expected | {(one[0], 1, 1, "metric-name", "error")}, expected - {one} | {moved}):
        assert actual != wrong and _diff(wrong, actual)
    warning = (one[0], one[1], one[2], one[3], "warning")
    assert actual != expected - {one} | {warning}


def test_expectation_syntax_errors_are_reported() -> None:
    with pytest.raises(AssertionError, match="malformed expectation"):
        expected_findings(b"a: 1  # expect: metric-type-12\n", "x.yaml")
    assert expected_findings(b"a: 1  # expect: a@1 b@2:warning\n", "x.yaml") == {
        ("x.yaml", 1, 1, "a", "error"), ("x.yaml", 1, 2, "b", "warning")}


# --- the registry through the CLI ----------------------------------------------------------

def test_list_rules_lists_every_rule_id_once() -> None:
    text = run_cli("lint", "--list-rules")
    assert text.returncode == 0, text.stderr
    ids = [line.split()[0] for line in text.stdout.splitlines() if line.strip()]
    assert sorted(ids) == sorted(RULES) and len(ids) == len(set(ids))
    for line in text.stdout.splitlines():
        rule_id, severity, purpose = line.split(None, 2)
        assert severity in ("error", "warning") and purpose == RULES[rule_id].purpose
    as_json = run_cli("lint", "--list-rules", "--format", "json")
    rows = json.loads(as_json.stdout)
    assert {r["id"]: (r["severity"], r["purpose"]) for r in rows} == {
        r.id: (r.severity, r.purpose) for r in RULES.values()}


def test_every_rule_has_a_purpose_and_a_stable_id() -> None:
    for rule_id, rule in RULES.items():
        assert rule.id == rule_id and re.fullmatch(r"[a-z]+(-[a-z]+)+", rule_id), rule_id
        assert rule.purpose.endswith(".") and len(rule.purpose) < 120, rule_id


def test_coachup_spec_is_lint_clean() -> None:
    compiled = compile_spec(ROOT / "spec" / "observability.yaml", "spec/observability.yaml")
    assert compiled.ok and compiled.diagnostics == [], [d.text() for d in compiled.diagnostics]
    result = run_cli("lint", "--spec", "spec/observability.yaml")
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr
    assert result.stderr == "obs-codegen: spec/observability.yaml is clean\n"


# --- the "Done when" scenario -------------------------------------------------------

SCENARIO = """\
version: 1
project: {name: shop, metric_prefix: shop, environments: [prod, dev]}
services:
  api: {description: The API.}
  api: {description: The API, again.}
tags:
  env: {type: environment, description: Environment.}
  userIdHash: {type: hashed_id, prefix: "u:", description: Hashed user id.}
metrics:
  api.request.count:
    type: counter
    unit: requests
    tags: [env, userIdHash]
    descripton: Requests.
    description: Requests.
alerts:
  ApiSlow:
    service: api
    severity: page
    description: p99 latency is high.
    quantile: {metric: api.request.latency_ms, q: 0.99}
    above: 500
    for: 5m
"""
SCENARIO_FINDINGS = [  # line, column, rule
    (5, 3, "spec-duplicate-key"),
    (13, 17, "metric-label-unbounded"),
    (14, 5, "spec-unknown-key"),
    (21, 24, "ref-unknown-metric"),
]


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    (tmp_path / "spec.yaml").write_text(SCENARIO, encoding="utf-8")
    return tmp_path


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr


def test_scenario_text(scenario: Path) -> None:
    result = run_cli("lint", "--spec", "spec.yaml", cwd=scenario)
    _no_traceback(result)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[-1] == "obs-codegen: 4 error(s) in spec.yaml; nothing was generated"
    found = [re.fullmatch(r"spec\.yaml:(\d+):(\d+): error\[([a-z-]+)\]: .+", line) for line in lines[:-1]]
    assert all(found), lines
    assert [(int(m[1]), int(m[2]), m[3]) for m in found if m] == SCENARIO_FINDINGS
    assert "did you mean 'description'?" in lines[2] and "api.request.latency_ms" in lines[3]
    assert result.stdout == ""


def test_scenario_json(scenario: Path) -> None:
    result = run_cli("lint", "--spec", "spec.yaml", "--format", "json", cwd=scenario)
    _no_traceback(result)
    assert result.returncode == 1
    items = json.loads(result.stdout)
    assert [(d["line"], d["column"], d["rule"]) for d in items] == SCENARIO_FINDINGS
    for d in items:
        assert set(d) == {"file", "line", "column", "rule", "severity", "message"}
        assert d["file"] == "spec.yaml" and d["severity"] == "error" and d["message"]


def test_scenario_github(scenario: Path) -> None:
    result = run_cli("lint", "--spec", "spec.yaml", "--format", "github", cwd=scenario)
    _no_traceback(result)
    assert result.returncode == 1
    pattern = r"::error file=spec\.yaml,line=(\d+),col=(\d+),title=([a-z-]+)::([^\r\n]+)"
    found = [re.fullmatch(pattern, line) for line in result.stdout.splitlines()]
    assert all(found), result.stdout
    assert [(int(m[1]), int(m[2]), m[3]) for m in found if m] == SCENARIO_FINDINGS


def test_scenario_positions_point_at_the_offending_tokens() -> None:
    lines = SCENARIO.splitlines()
    tokens = {"spec-duplicate-key": "api:", "metric-label-unbounded": "userIdHash]",
              "spec-unknown-key": "descripton:", "ref-unknown-metric": "api.request.latency_ms"}
    for line, col, rule in SCENARIO_FINDINGS:
        assert lines[line - 1][col - 1:].startswith(tokens[rule]), (rule, lines[line - 1])


def test_lint_exit_codes_for_warnings_and_unreadable_files(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(textwrap.dedent("""\
        version: 1
        project: {name: shop, metric_prefix: shop, environments: [prod]}
        services:
          api: {description: The API.}
        tags:
          free: {type: string, description: Free text.}
        """), encoding="utf-8")
    warned = run_cli("lint", "--spec", "spec.yaml", cwd=tmp_path)
    assert warned.returncode == 0 and "spec.yaml:6:3: warning[tag-kind]" in warned.stderr
    missing = run_cli("lint", "--spec", "nope.yaml", cwd=tmp_path)
    _no_traceback(missing)
    assert missing.returncode == 2 and "cannot read spec" in missing.stderr
