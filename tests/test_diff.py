"""`obs-codegen diff`: per-rule fixtures, the issue's Coach Up scenarios, bases, formats, exit codes, renames.

Every `tests/diff/<rule-id>.new.yaml` (or `<rule-id>--<variant>.new.yaml`) is compared with
`tests/diff/<rule-id>.base.yaml` when that exists, else with `tests/diff/base.yaml` (a frozen
copy of the minimal case). Expected findings are trailing comments on the line of the item,
in whichever file the finding points at (the base, for what is gone):

    api.queue.depth: {type: counter, ...}  # expect: metric-type-changed@3:error:queries

The harness requires the set of (file, line, column, rule, severity, category) of ALL findings
to equal the expected set, so a fixture fails on a missing finding, an extra one, a finding at
the wrong item, or a wrong severity or category.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, SPEC, model_of, run_cli

from obs_codegen.diff import RULES, diff_models
from obs_codegen.pipeline import compile_spec

FIXTURES = ROOT / "tests" / "diff"
EXPECT = re.compile(r"# expect:(.*)$")
TOKEN = re.compile(r"^([a-z][a-z0-9-]*)@([0-9]+):(error|warning|info):(queries|code|logs|wire)$")
Finding = tuple[str, int, int, str, str, str]


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _expected(path: Path) -> set[Finding]:
    out: set[Finding] = set()
    for lineno, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        m = EXPECT.search(line)
        for token in m.group(1).split() if m else ():
            t = TOKEN.match(token)
            assert t, f"{_rel(path)}:{lineno}: bad expectation {token!r}"
            out.add((_rel(path), lineno, int(t.group(2)), t.group(1), t.group(3), t.group(4)))
    return out


def _pair(new: Path) -> tuple[Path, Path]:
    rule = new.name.removesuffix(".new.yaml")
    own = FIXTURES / f"{rule}.base.yaml"
    return (own if own.exists() else FIXTURES / "base.yaml"), new


NEW = sorted(FIXTURES.glob("*.new.yaml"))


def _findings(base: Path, new: Path, **kw: Any) -> list[Any]:
    return diff_models(model_of(base, lint=False), model_of(new, lint=False), **kw)


@pytest.mark.parametrize("new", NEW, ids=[p.name.removesuffix(".new.yaml") for p in NEW])
def test_fixture(new: Path) -> None:
    base, new = _pair(new)
    got = {(f.change.pos.file, f.change.pos.line, f.change.pos.column, f.change.rule, f.severity, f.category)
           for f in _findings(base, new)}
    want = _expected(new) | (_expected(base) if base.name != "base.yaml" else set())
    assert got == want, f"missing: {sorted(want - got)}\nextra: {sorted(got - want)}"
    rule = new.name.removesuffix(".new.yaml").split("--", 1)[0]
    assert rule in {w[3] for w in want}, f"{new.name} does not exercise {rule}"


def test_every_rule_has_a_fixture_and_the_shared_base_expects_nothing() -> None:
    covered = {p.name.removesuffix(".new.yaml").split("--", 1)[0] for p in NEW}
    assert sorted(set(RULES) - covered) == []
    assert sorted(covered - set(RULES)) == []
    assert _expected(FIXTURES / "base.yaml") == set()
    assert _findings(FIXTURES / "base.yaml", FIXTURES / "base.yaml") == []


def test_reordering_and_reformatting_are_no_change(tmp_path: Path) -> None:
    """The models are compared, not the text: every mapping reversed, flow style, tag sets expanded."""
    data = yaml.safe_load(SPEC.read_text(encoding="utf-8"))

    def reverse(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: reverse(v) for k, v in reversed(list(node.items()))}
        return [reverse(v) for v in node] if isinstance(node, list) else node

    shuffled = reverse(data)
    sets = shuffled.pop("tag_sets")
    for m in shuffled["metrics"].values():  # a tag set written out in full is the same labels
        m["tags"] = [t for name in m.get("tags", []) for t in (sets.get(name, [name]))]
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(shuffled, default_flow_style=True, width=10_000), encoding="utf-8")
    assert compile_spec(tmp_path / "s.yaml").ok
    assert _findings(SPEC, tmp_path / "s.yaml") == []


# --- the Coach Up scenarios of the issue, through the real CLI -------------------------------

def _edited(tmp_path: Path, old: str, new: str) -> Path:
    text = SPEC.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    (tmp_path / "spec.yaml").write_text(text.replace(old, new), encoding="utf-8")
    return tmp_path / "spec.yaml"


def _diff(spec: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("diff", "--spec", str(spec), "--against", str(SPEC), "--format", "json", *args)


def test_removing_the_slo_bucket_breaks_and_names_the_slo_and_panels(tmp_path: Path) -> None:
    spec = _edited(tmp_path, "latency_ms: [25, 50, 100, 250, 500, 1000, 2000, 4000, 8000, 15000",
                   "latency_ms: [25, 50, 100, 250, 500, 1000, 2000, 4000, 15000")
    r = _diff(spec)
    assert r.returncode == 1, r.stderr
    hard = [f for f in json.loads(r.stdout)["findings"] if f["severity"] == "error"]
    assert [(f["rule"], f["subject"]) for f in hard] == [("bucket-removed", 'next.request.latency_ms:le="8000"')]
    title = model_of(SPEC).metric("next.request.latency_ms").display_title  # panels are titled after the metric
    assert "SLO 'chat-latency'" in hard[0]["message"] and f"panel '{title} p50/p95/p99'" in hard[0]["message"]


def test_dropping_route_breaks_and_names_the_slo_and_panels(tmp_path: Path) -> None:
    spec = _edited(tmp_path, "  next.request.count:\n    type: counter\n    unit: requests\n    tags: [http]",
                   "  next.request.count:\n    type: counter\n    unit: requests\n    tags: [env]")
    r = _diff(spec)
    assert r.returncode == 1, r.stderr
    (f,) = json.loads(r.stdout)["findings"]
    assert (f["rule"], f["subject"], f["category"]) == ("label-removed", "next.request.count:route", "queries")
    title = model_of(SPEC).metric("next.request.count").display_title
    assert "SLO 'chat-availability'" in f["message"] and f"panel '{title} (/s)'" in f["message"]


def test_making_sse_required_breaks_log_consumers(tmp_path: Path) -> None:
    spec = _edited(tmp_path, "        sse: {object: sse, description: Streaming facts.}",
                   "        sse: {object: sse, required: true, description: Streaming facts.}")
    r = _diff(spec)
    assert r.returncode == 1, r.stderr
    (f,) = json.loads(r.stdout)["findings"]
    assert (f["rule"], f["subject"], f["category"]) == ("log-field-required", "event next.api_request:sse", "logs")


def test_adding_an_optional_field_and_a_metric_is_not_breaking(tmp_path: Path) -> None:
    spec = _edited(tmp_path, "        sse: {object: sse, description: Streaming facts.}",
                   "        sse: {object: sse, description: Streaming facts.}\n"
                   "        cacheHit: {type: boolean, description: Served from cache.}")
    text = spec.read_text(encoding="utf-8").replace(
        "  next.request.count:\n", "  next.request.retries:\n    type: counter\n    unit: requests\n    tags: [env]\n"
        "    description: Retried requests.\n  next.request.count:\n", 1)
    spec.write_text(text, encoding="utf-8")
    assert compile_spec(spec).ok
    r = _diff(spec)
    assert (r.returncode, json.loads(r.stdout)) == (0, {"breaking": 0, "findings": []}), r.stderr


# --- accepting breaks, formats, exit codes --------------------------------------------------------

def test_allow_and_accepted_breaks_turn_a_break_into_an_accepted_one(tmp_path: Path) -> None:
    new = FIXTURES / "metric-removed.new.yaml"
    base = FIXTURES / "metric-removed.base.yaml"
    assert run_cli("diff", "--spec", str(new), "--against", str(base)).returncode == 1
    allowed = run_cli("diff", "--spec", str(new), "--against", str(base), "--allow", "metric-removed", "--format", "json")
    assert allowed.returncode == 1  # the generated constants are gone too (code-name-removed)
    allowed = run_cli("diff", "--spec", str(new), "--against", str(base), "--allow", "metric-removed",
                      "--allow", "code-name-removed", "--format", "json")
    assert allowed.returncode == 0
    assert {f["accepted"] for f in json.loads(allowed.stdout)["findings"]} == {"allowed by --allow"}
    spec = tmp_path / "new.yaml"
    spec.write_text(new.read_text(encoding="utf-8") + "accepted_breaks:\n  - {rule: metric-removed, subject: api.queue.depth,"
                    " reason: nobody reads the queue gauge}\n  - {rule: code-name-removed, subject: '*', reason: "
                    "no service imports it}\n", encoding="utf-8")
    r = run_cli("diff", "--spec", str(spec), "--against", str(base), "--format", "json")
    reasons = {f["rule"]: f["accepted"] for f in json.loads(r.stdout)["findings"]}
    assert r.returncode == 0 and reasons == {"metric-removed": "nobody reads the queue gauge",
                                             "code-name-removed": "no service imports it"}
    other = tmp_path / "other.yaml"
    other.write_text(spec.read_text(encoding="utf-8").replace("subject: api.queue.depth", "subject: api.queue.other"))
    assert run_cli("diff", "--spec", str(other), "--against", str(base)).returncode == 1  # accepts only what it names


def test_formats(tmp_path: Path) -> None:
    new, base = FIXTURES / "log-field-required.new.yaml", FIXTURES / "base.yaml"
    text = run_cli("diff", "--spec", str(new), "--against", str(base))
    assert text.stdout.splitlines()[0].startswith("tests/diff/log-field-required.new.yaml:63:9: error[log-field-required] logs: ")
    assert "2 breaking, 0 warning(s) in 2 change(s) against tests/diff/base.yaml" in text.stderr
    gh = run_cli("diff", "--spec", str(new), "--against", str(base), "--format", "github").stdout.splitlines()
    assert len(gh) == 2 and all(line.startswith("::error file=tests/diff/log-field-required.new.yaml,line=6") for line in gh)
    md = run_cli("diff", "--spec", str(new), "--against", str(base), "--format", "markdown").stdout
    assert md.startswith("### obs-codegen diff: 2 breaking, 0 warning(s) in 2 change(s)\n")
    rows = [line for line in md.splitlines() if line.startswith("| breaking |")]
    assert len(rows) == 2 and "#### logs" in md and all(row.count(" | ") == 3 for row in rows)


@pytest.mark.parametrize("args, message", [
    (["--against", "no-such-revision-or-file"], "is neither a file nor a git revision"),
    (["--against", "tests/diff/base.yaml", "--allow", "no-such-rule"], "unknown rule id(s) no-such-rule"),
    ([], "diff needs --against BASE"),
])
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    r = run_cli("diff", *args)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_a_broken_base_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text("version: 1\nproject: [\n")
    r = run_cli("diff", "--against", str(tmp_path / "base.yaml"))
    assert r.returncode == 2 and "base spec has errors" in r.stderr and "spec-yaml" in r.stderr, r.stderr


def test_git_revision_base_reads_the_committed_spec_without_touching_the_work_tree(tmp_path: Path) -> None:
    git = shutil.which("git")
    assert git
    repo = tmp_path / "repo"
    (repo / "spec").mkdir(parents=True)
    spec = repo / "spec" / "observability.yaml"
    shutil.copy(FIXTURES / "base.yaml", spec)
    env = ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    for cmd in (["init", "-q"], ["add", "."], [*env, "commit", "-q", "-m", "base"]):
        subprocess.run([git, *cmd], cwd=repo, check=True, capture_output=True)
    shutil.copy(FIXTURES / "header-required.new.yaml", spec)
    r = run_cli("diff", "--against", "HEAD", "--format", "json", cwd=repo)
    assert r.returncode == 1, r.stderr
    (f,) = json.loads(r.stdout)["findings"]
    assert (f["rule"], f["file"]) == ("header-required", "spec/observability.yaml")
    assert spec.read_bytes() == (FIXTURES / "header-required.new.yaml").read_bytes()  # work tree untouched
    removed = run_cli("diff", "--spec", "spec/observability.yaml", "--against", "HEAD", "--format", "json", cwd=repo)
    assert json.loads(removed.stdout)["findings"][0]["file"] == "spec/observability.yaml"
    shutil.copy(FIXTURES / "slo-removed.new.yaml", spec)
    gone = json.loads(run_cli("diff", "--against", "HEAD", "--format", "json", cwd=repo).stdout)["findings"]
    assert [(f["rule"], f["file"], f["in_base"]) for f in gone] == [("slo-removed", "HEAD:spec/observability.yaml", True)]


def test_a_previous_out_directory_is_a_base(tmp_path: Path) -> None:
    """An infra repo holds only a copy of out/: its spec/spec.yaml (a byte copy of the spec) is the base."""
    shutil.copy(FIXTURES / "base.yaml", tmp_path / "spec.yaml")
    assert run_cli("generate", "--spec", "spec.yaml", "--out", "released", cwd=tmp_path).returncode == 0
    assert (tmp_path / "released" / "spec" / "spec.yaml").read_bytes() == (FIXTURES / "base.yaml").read_bytes()
    shutil.copy(FIXTURES / "header-required.new.yaml", tmp_path / "spec.yaml")
    r = run_cli("diff", "--spec", "spec.yaml", "--against", "released", "--format", "json", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert [f["rule"] for f in json.loads(r.stdout)["findings"]] == ["header-required"]
    (tmp_path / "released" / "spec" / "spec.yaml").unlink()
    r = run_cli("diff", "--spec", "spec.yaml", "--against", "released", cwd=tmp_path)
    assert r.returncode == 2 and "has no spec/spec.yaml" in r.stderr, r.stderr
    (tmp_path / "empty").mkdir()
    r = run_cli("diff", "--spec", "spec.yaml", "--against", "empty", cwd=tmp_path)
    assert r.returncode == 2 and "not an obs-codegen output directory" in r.stderr, r.stderr


# --- renames: the transitional recording rule keeps the old series ---------------------------------

def test_renamed_metric_gets_a_transitional_rule_that_promtool_proves(tmp_path: Path) -> None:
    """`promtool test rules`: the old series names return the new metric's samples, labels (and `le`) kept."""
    spec = tmp_path / "spec.yaml"
    text = (FIXTURES / "base.yaml").read_text(encoding="utf-8").replace(
        "  api.request.latency_ms: {type: histogram,",
        "  api.request.duration_ms: {renamed_from: api.request.latency_ms, type: histogram,").replace(
        "api.request.latency_ms", "api.request.duration_ms").replace(
        "renamed_from: api.request.duration_ms", "renamed_from: api.request.latency_ms")
    spec.write_text(text, encoding="utf-8")
    compiled = compile_spec(spec)
    assert compiled.ok, [d.text() for d in compiled.diagnostics]
    r = run_cli("generate", "--spec", str(spec), "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    rules = yaml.safe_load((tmp_path / "out" / "prometheus" / "rules" / "api.rules.yml").read_text())
    (group,) = [g for g in rules["groups"] if g["name"] == "api-renamed"]
    assert group["rules"] == [{"record": f"shop_api_request_latency_ms_{s}", "expr": f"shop_api_request_duration_ms_{s}"}
                              for s in ("bucket", "sum", "count")]
    test = {
        "rule_files": [str(tmp_path / "out" / "prometheus" / "rules" / "api.rules.yml")],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": [
                {"series": 'shop_api_request_duration_ms_bucket{env="prod", route="GET /items", le="250"}',
                 "values": "0+6x10"},
                {"series": 'shop_api_request_duration_ms_count{env="prod", route="GET /items"}', "values": "0+10x10"},
            ],
            "promql_expr_test": [
                {"expr": 'rate(shop_api_request_latency_ms_bucket{le="250"}[5m])', "eval_time": "10m",
                 "exp_samples": [{"labels": '{env="prod", route="GET /items", le="250"}', "value": 0.1}]},
                {"expr": "increase(shop_api_request_latency_ms_count[5m])", "eval_time": "10m",
                 "exp_samples": [{"labels": '{env="prod", route="GET /items"}', "value": 50}]},
            ],
        }],
    }
    (tmp_path / "rename.test.yml").write_text(yaml.safe_dump(test), encoding="utf-8")
    done = subprocess.run(["promtool", "test", "rules", str(tmp_path / "rename.test.yml")], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    findings = diff_models(model_of(FIXTURES / "base.yaml", lint=False), compiled.model)
    # The series stay (the transitional rule), and so do the generated names: the old constant, field and
    # recording method are deprecated aliases of the new ones, so no code breaks.
    assert [(f.change.rule, f.severity) for f in findings] == [("metric-renamed", "warning")]


@pytest.mark.parametrize("old, message", [
    ("api.request.count", "is still a metric of this spec"),
    ("Not A Name", "is not a metric name"),
    ("api", "is not a metric name"),
])
def test_renamed_from_is_linted(tmp_path: Path, old: str, message: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text((FIXTURES / "base.yaml").read_text(encoding="utf-8").replace(
        "  api.queue.depth: {type: gauge,", f"  api.queue.depth: {{renamed_from: '{old}', type: gauge,"), encoding="utf-8")
    d = [x for x in compile_spec(spec).diagnostics if x.rule == "spec-renamed-from"]
    assert len(d) == 1 and message in d[0].message and d[0].line == 29, d
