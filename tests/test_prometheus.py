"""Prometheus rules backend: promtool accepts every rule file and passes every generated test,
our own output lint is clean, and deliberately broken rules are caught by both."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath

import pytest
import yaml
from conftest import CASES, model_of, require_binary, run, write_files

from obs_codegen.backends import prometheus, promql
from obs_codegen.backends.gotemplate import humanize, humanize_percentage
from obs_codegen.backends.prometheus_tests import burn_between
from obs_codegen.backends.rules.slo import event_rates
from obs_codegen.backends.templating import Templates
from obs_codegen.spec import naming
from obs_codegen.spec.model import Model
from obs_codegen.verify import promql as outlint_promql

Files = dict[PurePosixPath, bytes]


def render(model: Model) -> Files:
    return prometheus.render(model, Templates())


def write(files: Files, root: Path) -> Path:
    return write_files(files, root) / "prometheus"


def promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run([require_binary("promtool"), *args], cwd)


def run_tests(prom: Path, names: list[str] | None = None) -> dict[str, str]:
    """Run `promtool test rules` on the generated tests; {file: output} of the failures."""
    failed = {}
    for test in sorted((prom / "tests").glob("*.test.yml")):
        if names is None or test.name in names:
            r = promtool("test", "rules", test.name, cwd=test.parent)
            if r.returncode != 0:
                failed[test.name] = r.stdout + r.stderr
    return failed


def rule_texts(files: Files) -> dict[str, bytes]:
    return {str(p): b for p, b in files.items() if p.parts[1] == "rules"}


@pytest.fixture(scope="module")
def minimal_model() -> Model:
    return model_of(CASES / "minimal" / "spec.yaml")


@pytest.fixture(scope="module", params=["coachup", "minimal", "relay"])
def case(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
         minimal_model: Model) -> tuple[Model, Files, Path]:
    model = {"coachup": lambda: request.getfixturevalue("model"), "minimal": lambda: minimal_model,
             "relay": lambda: model_of(CASES / "relay" / "spec.yaml")}[request.param]()
    files = render(model)
    return model, files, write(files, tmp_path_factory.mktemp(request.param))


# --- the real consumers ----------------------------------------------------------------

def test_promtool_check_rules(case: tuple[Model, Files, Path]) -> None:
    _, _, prom = case
    rule_files = sorted(str(p) for p in (prom / "rules").glob("*.rules.yml"))
    assert rule_files
    r = promtool("check", "rules", *rule_files, cwd=prom)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("SUCCESS") == len(rule_files)


def test_promtool_test_rules(case: tuple[Model, Files, Path]) -> None:
    _, _, prom = case
    assert list((prom / "tests").glob("*.test.yml"))
    assert run_tests(prom) == {}


def test_output_lint_clean(case: tuple[Model, Files, Path]) -> None:
    model, files, _ = case
    assert outlint_promql.check_rule_texts(rule_texts(files), model) == []


def test_known_records_are_exactly_the_recorded_ones(case: tuple[Model, Files, Path]) -> None:
    """The lints' table of recording rules (`known_series`) is what the rules backend records,
    with the `slo` values each record is recorded for."""
    model, files, _ = case
    rules = [rule for text in rule_texts(files).values() for group in yaml.safe_load(text)["groups"]
             for rule in group["rules"] if "record" in rule]
    records = {n: s for n, s in outlint_promql.known_series(model).items() if s.kind == "record"}
    assert set(records) == {r["record"] for r in rules}
    recorded_slos = {(r["record"], r["labels"]["slo"]) for r in rules if "slo" in r.get("labels", {})}
    assert {(n, v) for n, s in records.items() for v in s.values.get("slo", ())} == recorded_slos


def test_records_nobody_records_are_unknown(model: Model) -> None:
    """Per-user and daily-increase records exist only for the counters of cost alerts."""
    from obs_codegen.spec import naming

    cost = {a.cost.base_name for a in model.alerts if a.cost is not None}
    other = next(m for m in model.metrics if m.type == "counter" and m.base_name not in cost)
    for record in (naming.per_user_record(other.base_name), naming.daily_increase_record(other.base_name)):
        assert outlint_promql.check_expr(f'avg_over_time({record}[1d])', model) == [
            f"unknown metric or recording rule '{record}'"]
    for name in cost:
        assert outlint_promql.check_expr(f"avg_over_time({naming.per_user_record(name)}[1d])", model) == []


def test_a_test_per_alert_with_firing_and_quiet_cases(case: tuple[Model, Files, Path]) -> None:
    model, files, _ = case
    tests = {p.name: yaml.safe_load(b) for p, b in files.items() if p.parts[1] == "tests"}
    expected = {f"{a.name}.test.yml" for a in model.alerts} | {f"slo-{s.name}{part}.test.yml" for s in model.slos
                                                                for part in ("", ".long-windows")}
    assert set(tests) == expected
    alerts = {r.alert for gs in prometheus.build(model).values() for g in gs for r in g.rules if r.alert}
    fired: set[str] = set()
    quiet: set[str] = set()
    for doc in tests.values():
        assert re.fullmatch(r"\.\./rules/[a-z0-9-]+\.rules\.yml", doc["rule_files"][0])
        for group in doc["tests"]:
            for check in group.get("alert_rule_test", []):
                (fired if check["exp_alerts"] else quiet).add(check["alertname"])
    assert fired == alerts, "every alert has a case where it fires"
    assert quiet == alerts, "every alert has a case where it stays quiet"


def test_output_is_deterministic_and_marked_generated(case: tuple[Model, Files, Path]) -> None:
    model, files, _ = case
    assert render(model) == files
    for path, data in files.items():
        assert b"\r" not in data and data.endswith(b"\n"), path
        assert data.startswith(f"# Generated by obs-codegen from {model.spec_path}; do not edit.".encode()), path


# --- Coach Up: the six alerts of seed section 4 ------------------------------------------

def test_coachup_has_the_seed_alerts(model: Model) -> None:
    rules: dict[str | None, prometheus.Rule] = {}
    for r in (r for gs in prometheus.build(model).values() for g in gs for r in g.rules if r.alert):
        rules.setdefault(r.alert, r)  # the production rule of an alert split by severity
    wanted = {
        "ChatLatencyBurnFast": ('slo:sli_error:ratio_rate1h{slo="chat-latency", env="production"}', "> 13.44"),
        "ChatFirstTokenSlow": ("histogram_quantile(0.95", "coachup_next_sse_first_token_ms_bucket"),
        "ChatAvailabilityBurnFast": ("slo:sli_error:ratio_rate1h", "> 13.44"),  # chat error rate SLO
        "ProviderErrorRateHigh": ('coachup_provider_request_errors_total{env="production"}[5m]', "> 0.05"),
        "ProviderTimeoutRateHigh": ('coachup_provider_request_errors_total{error_type="timeout"}', "> 0.02"),
        "AssessmentBacklogSlow": ("coachup_py_assessment_backlog_ms_bucket", "> 120000"),
        "AssessmentBacklogStalled": ("max by (env) (coachup_py_assessment_oldest_waiting_ms", "> 600000"),
        "CostPerDauOverBudget": ('increase(coachup_provider_cost_cents_total{env="production"}[3d])',
                                 'avg_over_time(env:coachup_convex_users_daily_active:floored{env="production"}[3d])',
                                 "> 25"),
    }
    for name, fragments in wanted.items():
        assert name in rules, name
        for fragment in fragments:
            assert fragment in rules[name].expr, (name, fragment)
    latency = next(s for s in model.slos if s.name == "chat-latency")
    bucket = 'coachup_next_request_latency_ms_bucket{route="POST /api/chat", le=~"8000|8000\\\\.0"}'
    assert f"{bucket}[1h]" in prometheus.sli_expr(model, latency, "1h")
    bad, _ = event_rates(model, latency, "5m")  # recorded once; the 5m and the long windows read the record
    assert f"{bucket}[5m]" in bad
    assert prometheus.sli_expr(model, latency, "5m") == (
        'slo:sli_bad_events:rate5m{slo="chat-latency"}\n/\nslo:sli_events:rate5m{slo="chat-latency"}')
    assert prometheus.sli_expr(model, latency, "3d") == (
        'sum_over_time(slo:sli_bad_events:rate5m{slo="chat-latency"}[3d])\n/\n'
        'sum_over_time(slo:sli_events:rate5m{slo="chat-latency"}[3d])')


def test_burn_rate_factors_follow_the_period(model: Model) -> None:
    slo = model.slos[0]
    # the SRE workbook's factors, raised to 1 where the period puts them below (28d: 0.9333; 7d: 0.7 and 0.2333)
    for period, factors in {"30d": [14.4, 6, 3, 1], "28d": [13.44, 5.6, 2.8, 1], "7d": [3.36, 1.4, 1, 1],
                            "3d": [1.44, 1, 1, 1], "90d": [43.2, 18, 9, 3]}.items():
        got = [t.factor for t in prometheus.tiers(type(slo)(**{**slo.__dict__, "period": period}))]
        assert got == factors, period


# --- negative tests: broken rules are caught ----------------------------------------------

@pytest.mark.parametrize(("old", "new", "message"), [
    ("coachup_provider_request_count_total[5m]", "coachup_provider_request_cuont_total[5m]", "unknown metric"),
    ("rate(coachup_provider_request_count_total[5m])", "rate(coachup_convex_users_daily_active[5m])",
     "rate() over gauge"),
    ('error_type="timeout"', 'error_type="timeuot"', "not a declared value"),
    ("sum by (env, provider, model_id)", "sum by (env, provider, modelId)", "label 'modelId'"),
    ("severity: ticket", "severity: critical", "severity"),
    ("    for: 15m\n", "", "no `for:`"),
    ("rate(coachup_provider_request_count_total[5m])", "coachup_provider_request_count_total", "read without rate"),
    ("rate(coachup_provider_request_count_total[5m])", "delta(coachup_provider_request_count_total[5m])",
     "delta() over counter"),
    ('error_type="timeout"', 'error_type="timeout" or error_type="timeuot"', "not a declared value"),
])
def test_lint_catches_hand_broken_rules(model: Model, old: str, new: str, message: str) -> None:
    texts = {k: v.decode() for k, v in rule_texts(render(model)).items()}
    path = "prometheus/rules/provider.rules.yml"
    assert old in texts[path]
    texts[path] = texts[path].replace(old, new, 1)
    problems = outlint_promql.check_rule_texts(texts, model)
    assert any(message in p for p in problems), problems


def test_lint_catches_duplicate_rule_names(model: Model) -> None:
    doc = yaml.safe_load(rule_texts(render(model))["prometheus/rules/provider.rules.yml"])
    doc["groups"][0]["rules"].append(doc["groups"][0]["rules"][0])
    assert any("duplicate rule name" in p for p in outlint_promql.check_rule_files({"p.yml": doc}, model))


@pytest.mark.parametrize(("rule_file", "old", "new", "test_file"), [
    ("next.rules.yml", "> 2000", "> 20000", "ChatFirstTokenSlow.test.yml"),
    ("next.rules.yml", "> 13.44", "> 134.4", "slo-chat-availability.test.yml"),
    ("provider.rules.yml", 'error_type="timeout"', 'error_type="rate_limited"', "ProviderTimeoutRateHigh.test.yml"),
])
def test_promtool_catches_broken_thresholds(model: Model, tmp_path: Path, rule_file: str, old: str, new: str,
                                            test_file: str) -> None:
    prom = write(render(model), tmp_path)
    assert run_tests(prom, [test_file]) == {}
    path = prom / "rules" / rule_file
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))
    assert test_file in run_tests(prom, [test_file])


def test_threshold_change_moves_rule_and_test_together(compile_text, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = (CASES / "minimal" / "spec.yaml").read_text()
    assert "    above: 500\n" in text
    before = render(compile_text(text, lint=False).model)
    after = render(compile_text(text.replace("    above: 500\n", "    above: 250\n"), lint=False).model)
    rules, test = PurePosixPath("prometheus/rules/api.rules.yml"), PurePosixPath("prometheus/tests/ApiLatencyHigh.test.yml")
    assert b"> 500" in before[rules] and b"> 250" in after[rules] and b"> 500" not in after[rules]
    assert before[test] != after[test]
    assert run_tests(write(after, tmp_path / "new"), ["ApiLatencyHigh.test.yml"]) == {}
    stale = write({**after, test: before[test]}, tmp_path / "stale")  # old test against the new rule
    assert "ApiLatencyHigh.test.yml" in run_tests(stale, ["ApiLatencyHigh.test.yml"])


# --- escaping ------------------------------------------------------------------------------

NASTY = ['say "hi"', "back\\slash", "new\nline", "tab\there", "POST /api/chat", "x\u2028y", "{{ $value }}"]


@pytest.mark.parametrize("value", NASTY)
def test_promql_string_round_trips(value: str) -> None:
    import promql_parser

    tree = promql_parser.parse(promql.selector("m", [promql.eq("l", value)]))
    assert tree.matchers.matchers[0].value == value  # type: ignore[attr-defined]


def test_nasty_label_values_survive_promtool(compile_text, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = (CASES / "minimal" / "spec.yaml").read_text()
    values = ", ".join(yaml.safe_dump(v, default_style='"').strip() for v in NASTY)
    text = text.replace('values: ["GET /items", "POST /orders"]', f"values: [{values}]")
    text = text.replace("filter: {route: GET /items}", f"filter: {{route: {yaml.safe_dump(NASTY[0]).splitlines()[0]}}}")
    text = text.replace("description: p99 latency is high.", 'description: "p99 {{ latency }} is \\"high\\"."')
    model = compile_text(text, lint=False).model
    assert model.slos[1].filter[0][1] == NASTY[0]
    files = render(model)
    assert outlint_promql.check_rule_texts(rule_texts(files), model) == []
    prom = write(files, tmp_path)
    r = promtool("check", "rules", *sorted(str(p) for p in (prom / "rules").glob("*.yml")), cwd=prom)
    assert r.returncode == 0, r.stdout + r.stderr
    assert run_tests(prom) == {}


def test_le_matcher_covers_client_spellings() -> None:
    assert promql.le_spellings(8000) == ("8000", "8000.0")
    assert promql.le_spellings(1800000) == ("1.8e+06", "1800000")
    assert promql.le_spellings(0.25) == ("0.25",)
    assert promql.le_spellings(-1.5) == ("-1.5",)


@pytest.mark.parametrize(("value", "go"), [
    (8000, "8000"), (0.25, "0.25"), (1800000, "1.8e+06"), (123456, "123456"), (1234567, "1.234567e+06"),
    (0.0001, "0.0001"), (0.00001, "1e-05"), (0.0, "0"), (-0.0, "-0"), (-1.5, "-1.5"), (-2e7, "-2e+07"),
    (-1e-7, "-1e-07"), (-250, "-250"), (1e21, "1e+21"), (0.1 + 0.2, "0.30000000000000004"),
])
def test_go_float_spells_as_strconv_formatfloat(value: float, go: str) -> None:
    """strconv.FormatFloat(v, 'g', -1, 64), as Go client libraries write `le` (reference values from Go)."""
    assert promql.go_float(value) == go
    assert promql.go_float(value) == go  # and from the memo
    assert promql.le_matcher(8000) == 'le=~"8000|8000\\\\.0"'


def test_go_template_functions_match_prometheus() -> None:
    # values from Prometheus's template tests (template/template_test.go)
    assert [humanize(v) for v in (0, 1, 12.5, 1234567, 0.0123, 0.5)] == ["0", "1", "12.5", "1.235M", "12.3m", "500m"]
    assert humanize_percentage(0.1234567) == "12.35%"
    assert promql.go_template_text("a {{ b }}") == 'a {{ "{{" }} b }}'


# --- property: every period, objective and `for:` gives passing, small tests ------------------

PERIODS = ("3d", "7d", "1w", "28d", "30d", "90d")
OBJECTIVES = (95, 99, 99.5, 99.9, 99.95)
FORS = ("0s", "5m", "1h", "1d")
MAX_EVALUATIONS = 200  # per test group: keeps each promtool run well under a second
MAX_LONG_WINDOW_EVALUATIONS = 320  # the 3d tier's detection: 3d of history and 36h of burn at 15-minute steps


# `make test` runs promtool on a covering subset of the grid (every period with two objectives, every objective
# with two or more periods, the extremes included); PROMTOOL_GRID=full runs all 30 pairs (about 2.5x longer).
# test_burn_rates_are_hundredths_between_the_factors checks the arithmetic of every pair without promtool.
FULL_GRID = os.environ.get("PROMTOOL_GRID") == "full"
COVERING = [("3d", 95), ("3d", 99.95), ("7d", 99), ("7d", 99.9), ("1w", 99.5), ("1w", 95), ("28d", 99.9),
            ("28d", 99.95), ("30d", 99), ("30d", 99.5), ("90d", 95), ("90d", 99.95)]


def grid_specs() -> list[dict[str, object]]:
    """The minimal spec with (period, objective) pairs on its two SLOs and every `for:` on its alerts;
    400d at 95% has a page alert no burn rate can trigger (even 100% errors burn only 20x < 192x)."""
    pairs = list(itertools.product(PERIODS, OBJECTIVES)) if FULL_GRID else COVERING
    points = pairs + [("400d", 95)]  # the last one: api-latency
    base = yaml.safe_load((CASES / "minimal" / "spec.yaml").read_text())
    specs = []
    for i in range(0, len(points), 2):
        data = yaml.safe_load(yaml.safe_dump(base))
        for slo, (period, objective) in zip(("api-availability", "api-latency"), points[i:i + 2] + points[:1]):
            data["slos"][slo].update(period=period, objective=objective)
        for alert in data["alerts"].values():
            alert["for"] = FORS[i // 2 % len(FORS)]
        specs.append(data)
    return specs


def evaluations(doc: dict[str, object]) -> int:
    """Rule evaluations promtool runs for the longest test group of a generated test file."""
    step = naming.duration_seconds(str(doc["evaluation_interval"]))
    times = [naming.duration_seconds(c["eval_time"]) for t in doc["tests"]  # type: ignore[attr-defined]
             for c in t.get("alert_rule_test", []) + t.get("promql_expr_test", [])]
    return int(max(times) / step)


def test_every_period_objective_and_for_passes_promtool(compile_text, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    specs = grid_specs()
    covered = {(s["slos"][n]["period"], s["slos"][n]["objective"]) for s in specs for n in s["slos"]}  # type: ignore[index]
    grid = set(itertools.product(PERIODS, OBJECTIVES))
    assert covered == (grid if FULL_GRID else set(COVERING)) | {("400d", 95)} and set(COVERING) <= grid
    assert {p for p, _ in COVERING} == set(PERIODS) and {o for _, o in COVERING} == set(OBJECTIVES)
    assert {a["for"] for s in specs for a in s["alerts"].values()} == set(FORS)  # type: ignore[attr-defined]
    dirs, names = [], []
    for i, data in enumerate(specs):
        compiled = compile_text(yaml.safe_dump(data, sort_keys=False), f"spec{i}.yaml")
        assert compiled.ok, [d.text() for d in compiled.diagnostics]
        files = render(compiled.model)
        for path, text in files.items():
            if path.parts[1] == "tests":
                doc = yaml.safe_load(text)
                cap = MAX_LONG_WINDOW_EVALUATIONS if path.name.endswith(".long-windows.test.yml") else MAX_EVALUATIONS
                assert evaluations(doc) <= cap, (i, path.name, evaluations(doc))
                names += [t["name"] for t in doc["tests"]]
        dirs.append(write(files, tmp_path / f"out{i}"))

    def promtool_tests(job: tuple[Path, bool]) -> str:
        prom, alerts = job
        files = sorted(p.name for p in (prom / "tests").glob("*.test.yml") if alerts or p.name.startswith("slo-"))
        r = promtool("test", "rules", *files, cwd=prom / "tests")
        return "" if r.returncode == 0 else r.stdout + r.stderr

    # Every SLO test runs for every (period, objective); a threshold alert's test depends only on its
    # `for:`, so it runs once per value (the first len(FORS) specs carry each one), not 16 times.
    firsts = {FORS[j % len(FORS)]: j for j in reversed(range(len(specs)))}
    jobs = [(d, i in firsts.values()) for i, d in enumerate(dirs)]
    assert len(firsts) == len(FORS)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        failures = {str(d): out for (d, _), out in zip(jobs, pool.map(promtool_tests, jobs)) if out}
    assert failures == {}
    assert any(n.startswith(("ApiLatencyBurnFast cannot fire at objective 95%",  # 400d at 95% lands on either SLO
                             "ApiAvailabilityBurnFast cannot fire at objective 95%")) for n in names), "400d at 95%"


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("objective", OBJECTIVES)
def test_burn_rates_are_hundredths_between_the_factors(model: Model, period: str, objective: float) -> None:
    """Test burn rates print the same `%.2f` text under float noise, and sit strictly between the bounds."""
    slo = model.slos[0]
    factors = sorted(t.factor for t in prometheus.tiers(type(slo)(**{**slo.__dict__, "period": period})))
    most = 1 / (1 - objective / 100)
    for low, high in zip([0.0] + factors, factors[1:] + [most]):
        burn = burn_between(low, min(high, most), 1.25 * low or 0.9 * high)
        if burn is None:
            assert min(high, most) - low < 0.02
            continue
        assert low < burn < min(high, most) and abs(burn * 100 - round(burn * 100)) < 1e-9
        for noise in (1 - 1e-12, 1 + 1e-12):
            assert f"{burn * noise:.2f}" == f"{burn:.2f}"


def test_a_rounding_boundary_flips_under_float_noise() -> None:
    """Why whole hundredths: 0.875 (1.25 x the 1w ticket factor 0.7) prints 0.88 or 0.87 depending on noise."""
    assert f"{0.875 * (1 + 1e-12):.2f}" != f"{0.875 * (1 - 1e-12):.2f}"
    assert burn_between(0.7, 1.4, 1.25 * 0.7) == 0.88
    assert burn_between(0.7, 0.71, 0.8) is None


def test_long_for_keeps_evaluations_few(compile_text) -> None:  # type: ignore[no-untyped-def]
    text = (CASES / "minimal" / "spec.yaml").read_text().replace("    for: 5m\n", "    for: 1w\n")
    files = render(compile_text(text).model)
    doc = yaml.safe_load(files[PurePosixPath("prometheus/tests/ApiLatencyHigh.test.yml")])
    assert doc["evaluation_interval"] == "2h" and evaluations(doc) <= MAX_EVALUATIONS
    assert [c["eval_time"] for c in doc["tests"][0]["alert_rule_test"]] == ["1w", "172h"]  # pending, then firing


def test_truncated_slo_alert_names_stay_distinct() -> None:
    assert naming.slo_alert_name("chat-availability", "BurnFast") == "ChatAvailabilityBurnFast"
    long = [naming.slo_alert_name(f"api-availability-of-the-primary-region-{r}", "BurnFast")
            for r in ("eu-west", "us-east")]
    assert long == ["ApiAvailabilityOfThePrimarec0505BurnFast", "ApiAvailabilityOfThePrimar7feb31BurnFast"]
    assert all(len(n) == 40 and re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", n) for n in long)
