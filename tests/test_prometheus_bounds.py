"""Bounds of the generated promtool tests: specs at every limit pass promtool, one step over is a lint error.

Also the measures those bounds are held to (`promtool_cost`: input samples, evaluations, samples one
query holds, with promtool refusing a query over 10,000 as the negative control), and label values
with every control character carried through PromQL and YAML into passing promtool runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CASES, SPEC, model_of
from test_prometheus import Files, promtool, render, rule_texts, run_tests, write

from obs_codegen.backends import prometheus
from obs_codegen.verify import promql as outlint_promql

# --- bounds: specs at every limit generate small tests that pass; one step over is a lint error ------

def at_bounds() -> dict[str, object]:
    """The minimal spec with every limit reached: `for: 7d` on each alert, `average_over: 90d`, a threshold with
    10 decimals, objectives
    with 4 decimals up to 99.9999% on a period whose burn rates make rounding ties likely (15d: calm burn
    0.45), a 60-bucket histogram read by both a week-long quantile alert and a latency SLO, four environments."""
    data = yaml.safe_load((CASES / "minimal" / "spec.yaml").read_text())
    data["project"]["environments"] = ["e1", "e2", "e3", "e4"]
    data["metrics"]["api.request.latency_ms"]["buckets"] = [10 * (i + 1) for i in range(60)]
    data["budgets"]["fee_per_user"]["value"] = 25
    data["alerts"]["VendorErrorRateHigh"]["above"] = 0.0000000001  # 10 decimals, the most PromQL gets
    for alert in data["alerts"].values():
        alert["for"] = "7d"
    data["alerts"]["FeePerUserOverBudget"]["cost_per_user"]["average_over"] = "90d"
    data["slos"]["api-availability"].update(period="15d", objective=99.9999)
    data["slos"]["api-latency"].update(period="15d", objective=99.9995)
    return data


def test_specs_at_the_bounds_generate_small_tests_that_pass(compile_text, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from obs_codegen.backends.promtool_cost import evaluations, input_samples, query_samples
    from obs_codegen.lint.slos import MAX_QUERY_SAMPLES, MAX_TEST_SAMPLES

    low = at_bounds()
    low["project"]["environments"] = ["prod"]  # type: ignore[index]
    low["slos"]["api-availability"].update(period="3d", objective=0.0001)  # type: ignore[index]
    low["slos"]["api-latency"].update(period="400d", objective=50.0005)  # type: ignore[index]
    dirs = []
    for i, data in enumerate([at_bounds(), low]):
        compiled = compile_text(yaml.safe_dump(data, sort_keys=False), f"spec{i}.yaml")
        assert compiled.ok, [d.text() for d in compiled.diagnostics]
        groups = prometheus.build(compiled.model)
        files = render(compiled.model)
        for path, text in files.items():
            if path.parts[1] == "tests":
                doc = yaml.safe_load(text)
                exprs = [r.expr for g in groups[doc["rule_files"][0].split("/")[-1].split(".")[0]] for r in g.rules]
                sizes = (input_samples(doc), evaluations(doc), query_samples(doc, exprs, 4)[0])
                most = 320 if path.name.endswith(".long-windows.test.yml") else 110  # the 3d tier's detection
                assert sizes[0] <= MAX_TEST_SAMPLES and sizes[1] <= most and sizes[2] <= MAX_QUERY_SAMPLES, (path, sizes)
        dirs.append(write(files, tmp_path / f"out{i}"))
    failures = {str(prom): run_tests(prom) for prom in dirs}
    assert failures == {str(prom): {} for prom in dirs}, "\n".join(str(f) for f in failures.values())


def test_promtool_refuses_a_query_over_its_sample_limit_as_estimated(compile_text, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Why a long alert test samples sparsely (hourly, for a 90-day cost average): with one sample a minute for
    8 days, `increase(..._total[90d])` holds 11,521 points of one series at day 8; promtool refuses that query,
    and `query_samples` sees it coming. (SLO windows of a day or more read recorded rates, one sample per
    evaluation, so they no longer read the raw series a threshold alert's test feeds.)"""
    from obs_codegen.backends.promtool_cost import PROMTOOL_MAX_SAMPLES, query_samples
    from obs_codegen.lint.slos import MAX_QUERY_SAMPLES

    compiled = compile_text(yaml.safe_dump(at_bounds(), sort_keys=False))
    exprs = [r.expr for g in prometheus.build(compiled.model)["vendor"] for r in g.rules]
    prom = write(render(compiled.model), tmp_path / "out")
    doc = yaml.safe_load(files_of(prom, "FeePerUserOverBudget.test.yml"))
    dense = yaml.safe_load(yaml.safe_dump(doc))
    for test in dense["tests"]:
        test["interval"] = "1m"
        for s in test["input_series"]:
            s["values"] = f"0+1x{8 * 1440}"
        for check in test.get("alert_rule_test", []):
            check["eval_time"] = "8d"
    (prom / "tests" / "Dense.test.yml").write_text(yaml.safe_dump(dense), encoding="utf-8")
    assert query_samples(doc, exprs, 4)[0] < MAX_QUERY_SAMPLES < PROMTOOL_MAX_SAMPLES < query_samples(dense, exprs, 4)[0]
    assert run_tests(prom, ["FeePerUserOverBudget.test.yml"]) == {}
    refused = run_tests(prom, ["Dense.test.yml"])
    assert "too many samples" in refused.get("Dense.test.yml", ""), refused


def files_of(prom: Path, name: str) -> str:
    return (prom / "tests" / name).read_text()


def over(edit: str) -> dict[str, object]:
    data = at_bounds()
    exec(edit, {"d": data})  # noqa: S102 - the edits below are literals of this file
    return data


@pytest.mark.parametrize(("edit", "rule"), [
    ("d['alerts']['ApiLatencyHigh']['for'] = '8d'", "alert-duration"),
    ("d['alerts']['ApiLatencyHigh']['for'] = '1000d'", "alert-duration"),
    ("d['alerts']['FeePerUserOverBudget']['cost_per_user']['average_over'] = '91d'", "alert-duration"),
    ("d['alerts']['FeePerUserOverBudget']['cost_per_user']['average_over'] = '0s'", "alert-duration"),
    ("d['project']['environments'] = [f'e{i}' for i in range(110)]", "alert-test-size"),
    ("d['slos']['api-availability']['objective'] = 99.99995", "slo-objective"),
    ("d['slos']['api-availability']['objective'] = 99.999999999", "slo-objective"),
    ("d['slos']['api-availability']['period'] = '15d\\n'", "slo-period"),
    ("d['alerts']['ApiLatencyHigh']['for'] = '5m\\n'", "alert-duration"),
    ("d['alerts']['VendorErrorRateHigh']['above'] = 0.00000000001", "alert-threshold-precision"),
])
def test_one_step_over_a_bound_is_a_lint_error(compile_text, edit: str, rule: str) -> None:  # type: ignore[no-untyped-def]
    compiled = compile_text(yaml.safe_dump(over(edit), sort_keys=False))
    assert not compiled.ok
    assert rule in {d.rule for d in compiled.diagnostics if d.severity == "error"}, [d.text() for d in compiled.diagnostics]


@pytest.mark.parametrize("spec", [SPEC, CASES / "minimal" / "spec.yaml"], ids=["coachup", "minimal"])
def test_cost_selectors_agree_with_promql_parser(spec: Path, compile_text) -> None:  # type: ignore[no-untyped-def]
    """`promtool_cost.selectors` reads only generated PromQL; on every generated rule and input series
    (this spec's and the bounds spec's, including hostile label values) it finds exactly what promql_parser finds."""
    import promql_parser as pp

    from obs_codegen.backends.promtool_cost import parse_series, selectors

    files: Files = render(model_of(spec))
    hostile = at_bounds()
    hostile["tags"]["route"]["values"] = ['GET "/a" {b}', "x\\y\n$ [5m] by (le) or {"]  # type: ignore[index]
    hostile["slos"]["api-latency"]["filter"] = {"route": 'GET "/a" {b}'}  # type: ignore[index]
    hostile["slos"]["api-availability"]["filter"] = {"route": "x\\y\n$ [5m] by (le) or {"}  # type: ignore[index]
    more = render(compile_text(yaml.safe_dump(hostile, sort_keys=False), lint=False).model)
    exprs = [rule["expr"] for fs in (files, more) for text in rule_texts(fs).values()
             for group in yaml.safe_load(text)["groups"] for rule in group["rules"]]
    inputs = [s["series"] for fs in (files, more) for p, text in fs.items() if p.parts[1] == "tests"
              for t in yaml.safe_load(text)["tests"] for s in t["input_series"]]
    assert len(exprs) > 20 and len(inputs) > 20

    def expected(expr: str) -> list[tuple[str, tuple[tuple[str, str, str], ...], float | None]]:
        ops = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}
        return [(s.vector.name, tuple((m.name, ops[str(m.op)], m.value) for g in outlint_promql.matcher_groups(s.vector)
                                      for m in g if m.name != "__name__"),
                 s.window.total_seconds() if s.window is not None else None)
                for s in outlint_promql.selectors(pp.parse(expr))]

    for expr in exprs + inputs:
        assert [(s.name, s.matchers, s.window) for s in selectors(expr)] == expected(expr), expr
    assert parse_series('x_total{a="b\\\\c", d="\\"e\\""}') == ("x_total", {"a": "b\\c", "d": '"e"'})


def test_sample_indices_follow_promtool_notation() -> None:
    from obs_codegen.backends.promtool_cost import input_samples, sample_indices

    assert list(sample_indices("0 _x3 40+10x2 _x2 100")) == [0, 4, 5, 6, 9]  # as promtool expands it
    assert list(sample_indices("0+1x3 _ 5")) == [0, 1, 2, 3, 5]
    assert input_samples({"tests": [{"input_series": [{"values": "0+1x9"}, {"values": "_x5 1+2x1"}]}]}) == 12


def test_samples_between_counts_as_bisecting_the_expanded_times() -> None:
    """`query_samples` counts a window's samples per run; the count is the one bisecting every sample's time gave."""
    import bisect
    import random

    from obs_codegen.backends.promtool_cost import _samples_between, sample_indices, sample_runs

    rng = random.Random(17)
    parts = ["0", "1+2x{n}", "_", "_x{n}", "5-1x{n}", "7"]
    for _ in range(3000):
        values = " ".join(rng.choice(parts).format(n=rng.randint(0, 40)) for _ in range(rng.randint(1, 8)))
        interval = rng.choice([0.0, 1.0, 15.0, 60.0, 0.1, 7.3, 300.0, 1e-3])
        end = rng.choice([0.0, rng.uniform(0, 5000), float(rng.randint(0, 100)) * interval])
        since = end - rng.choice([0.0, 300.0, rng.uniform(0, 5000), 6 * interval, 28 * 86400.0])
        times = [i * interval for i in sample_indices(values)]
        expected = bisect.bisect_right(times, end) - bisect.bisect_left(times, since)
        assert _samples_between(list(sample_runs(values)), interval, since, end) == expected, (values, interval, since, end)


CONTROLS = "".join(chr(c) for c in [*range(1, 32), *range(127, 160)]) + "\u2028\u2029\ufeff\U0001f600"


# What may still reach a label value once the loader has refused control characters: PromQL and
# YAML specials, a backslash, quotes, non-BMP and invisible-but-printable characters.
HOSTILE_PRINTABLE = '"\\\'{}=~!,`$#:|&*\u00a0\u3000\ufeff\U0001f600'


def test_label_values_with_hostile_printable_characters_pass_promtool(compile_text, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Label values may hold any printable character: PromQL literals and the YAML carry quotes, a backslash,
    braces and non-BMP characters, and promtool checks and tests the result."""
    data = yaml.safe_load((CASES / "minimal" / "spec.yaml").read_text())
    data["tags"]["route"]["values"] = ["a" + HOSTILE_PRINTABLE + "z", "POST /orders"]
    data["slos"]["api-latency"]["filter"] = {"route": "a" + HOSTILE_PRINTABLE + "z"}
    compiled = compile_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    assert compiled.ok, [d.text() for d in compiled.diagnostics]
    prom = write(render(compiled.model), tmp_path / "out")
    rules = sorted(str(p) for p in (prom / "rules").glob("*.rules.yml"))
    checked = promtool("check", "rules", *rules, cwd=prom)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert run_tests(prom, ["slo-api-latency.test.yml", "ApiLatencyHigh.test.yml"]) == {}


def test_label_values_with_control_characters_are_refused_at_load(compile_text) -> None:  # type: ignore[no-untyped-def]
    """Control characters (C0, DEL, C1 with NEL, U+2028) never reach a label value: the loader refuses each."""
    for ch in [chr(c) for c in [*range(1, 32), *range(127, 160)]] + ["\u2028", "\u2029"]:
        data = yaml.safe_load((CASES / "minimal" / "spec.yaml").read_text())
        data["tags"]["route"]["values"].append("a" + ch + "z")
        compiled = compile_text(yaml.safe_dump(data, sort_keys=False))
        assert not compiled.ok and any(d.rule == "spec-control-character" for d in compiled.diagnostics), repr(ch)


def test_empty_label_values_and_lone_surrogates_are_lint_errors() -> None:
    from obs_codegen.lint.metrics import unsafe_value_reason

    assert unsafe_value_reason("") and unsafe_value_reason("a\ud800b")
    assert unsafe_value_reason("a" + CONTROLS) is None and unsafe_value_reason('"\\') is None


def _query_samples_plainly(doc: dict[str, Any], exprs: list[str], environments: int) -> tuple[int, int]:
    """query_samples's definition, written out with no shortcut: every rule's every selector, every sample's time."""
    from obs_codegen.backends.promtool_cost import LOOKBACK, parse_series, sample_indices, selectors
    from obs_codegen.spec.naming import duration_seconds

    step = duration_seconds(str(doc["evaluation_interval"]))
    worst = (0, 0)
    for test in doc["tests"]:
        checks = test.get("alert_rule_test", []) + test.get("promql_expr_test", [])
        end = max((duration_seconds(c["eval_time"]) for c in checks), default=0)
        interval = duration_seconds(test["interval"])
        inputs = [(*parse_series(s["series"]), [i * interval for i in sample_indices(s["values"])])
                  for s in test["input_series"]]
        for index, expr in enumerate(exprs):
            largest = vectors = 0
            for sel in selectors(expr):
                window = sel.window if sel.window is not None else LOOKBACK
                if ":" in sel.name:
                    largest = max(largest, int((min(sel.window, end) if sel.window is not None else 0) // step) + 1)
                    vectors += environments
                    continue
                for name, labels, times in inputs:
                    if name == sel.name and sel.matches_labels(labels):
                        vectors += 1
                        if sel.window is not None:
                            largest = max(largest, sum(1 for t in times if end - window <= t <= end))
            worst = max(worst, (largest + vectors, index))
    return worst


def test_query_samples_is_its_plain_definition(compile_text) -> None:  # type: ignore[no-untyped-def]
    """The lint's estimate (per-test memos, recorded windows worked out once per end, counts per sample run)
    equals the plain definition above on every generated test file of the Coach Up spec, the cases and the
    specs at the bounds, with one memo shared across files as the lint shares it."""
    from obs_codegen.backends.promtool_cost import query_samples

    specs = [SPEC.read_text(encoding="utf-8"), *(p.read_text(encoding="utf-8") for p in sorted(CASES.glob("*/spec.yaml"))),
             yaml.safe_dump(at_bounds(), sort_keys=False)]
    compared, memo, nonzero = 0, {}, 0
    for i, text in enumerate(specs):
        compiled = compile_text(text, f"spec{i}.yaml")
        if not compiled.ok:
            continue
        groups = prometheus.build(compiled.model)
        for name, doc in prometheus.tests_of(compiled.model).items():
            service = doc["rule_files"][0].split("/")[-1].split(".")[0]
            exprs = [r.expr for g in groups.get(service, []) for r in g.rules]
            for environments in (1, 3):
                expected = _query_samples_plainly(doc, exprs, environments)
                assert query_samples(doc, exprs, environments) == expected, (i, name)
                assert query_samples(doc, exprs, environments, memo) == expected, (i, name)
                compared += 1
                nonzero += expected[0] > environments
    assert compared > 50 and nonzero > 20


def _tokens_one_by_one(expr: str) -> list[tuple[str, str]]:
    """The plain definition of `promtool_cost._tokens`: the token pattern matched at each position in turn."""
    from obs_codegen.backends.promtool_cost import _TOKEN

    out, pos = [], 0
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if m is None:
            raise ValueError(f"unexpected {expr[pos:pos + 20]!r} in generated PromQL")
        if m.lastgroup != "space":
            out.append((str(m.lastgroup), m.group()))
        pos = m.end()
    return out


def test_tokens_in_one_findall_are_the_tokens_matched_one_by_one() -> None:
    """On every generated rule expression and test series, and on random texts of PromQL's characters (most of
    them not PromQL): the same tokens, or the same error at the same character."""
    import random

    from obs_codegen.backends.promtool_cost import _tokens

    texts = [r.expr for groups in prometheus.build(model_of(SPEC)).values() for g in groups for r in g.rules]
    texts += [s["series"] for doc in prometheus.tests_of(model_of(SPEC)).values() for t in doc["tests"]
              for s in t["input_series"]]
    rng = random.Random(17)
    alphabet = 'ab_:01.5e+-*/%^<>=!~{}(),[] \t\n"\\\'`@#é'
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 30))) for _ in range(5000)]
    assert len(texts) > 5100
    for text in texts:
        try:
            expected: object = _tokens_one_by_one(text)
        except ValueError as exc:
            expected = str(exc)
        try:
            got: object = _tokens(text)
        except ValueError as exc:
            got = str(exc)
        assert got == expected, text
