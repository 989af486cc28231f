"""Hand-written incident scenarios for the Coach Up alerts, run by promtool against the generated rules.

Each scenario feeds series the way a broken or healthy production would and asserts, through
promtool's `ALERTS` series, exactly which alerts fire (alert name, env, severity) at chosen times:
nothing else may fire. They pin the defects of issue #12 (no-data per environment, the
minimum-traffic guard, cost per DAU as a ratio of N-day sums with a DAU floor, a stalled
assessment queue, slow-burn factors of at least 1, generated tests for a filtered ratio on one
metric, ratio thresholds outside [0, 1)).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import require_binary, run, write_files

from obs_codegen.backends import prometheus, promql
from obs_codegen.backends.prometheus_tests import metric_labels
from obs_codegen.backends.templating import Templates
from obs_codegen.spec.model import Model

ENVS = ("production", "staging", "dev")


def metric(model: Model, key: str):  # type: ignore[no-untyped-def]
    return next(m for m in model.metrics if m.key == key)


def sel(name: str, labels: dict[str, str]) -> str:
    return promql.selector(name, [promql.eq(k, v) for k, v in labels.items()])


def counter(model: Model, key: str, env: str, per_step: float, steps: int, **fixed: str) -> dict[str, str]:
    m = metric(model, key)
    labels = {**metric_labels(model, m, env), **fixed}
    return {"series": sel(m.prom_name, labels), "values": f"0+{promql.rounded_number(per_step)}x{steps}"}


def chat_traffic(model: Model, env: str, steps: int, per_step: float = 600, errors: float = 0) -> list[dict[str, str]]:
    """Availability and latency inputs of the chat SLOs: every turn within 8 s."""
    route = {"route": "POST /api/chat"}
    out = [counter(model, "next.request.count", env, per_step, steps, **route),
           counter(model, "next.request.errors", env, errors, steps, **route)]
    lat = metric(model, "next.request.latency_ms")
    labels = {**metric_labels(model, lat, env), **route}
    for le in ("8000", "+Inf"):
        out.append({"series": sel(lat.bucket_series, {**labels, "le": le}), "values": f"0+{per_step}x{steps}"})
    out.append({"series": sel(lat.count_series, labels), "values": f"0+{per_step}x{steps}"})
    return out


def firing(at: str, *alerts: tuple[str, str, str], names: str = ".+") -> dict[str, Any]:
    """promql test: exactly these (alertname, env, severity) fire at `at` among alerts matching `names`."""
    return {"expr": f'count by (alertname, env, severity) (ALERTS{{alertstate="firing", alertname=~"{names}"}})',
            "eval_time": at,
            "exp_samples": [{"labels": "{" + f'alertname="{a}", env="{e}", severity="{s}"' + "}", "value": 1}
                            for a, e, s in alerts]}


def run_scenarios(model: Model, tmp_path: Path, service: str, tests: list[dict[str, Any]],
                  interval: str = "1m") -> subprocess.CompletedProcess[str]:
    prom = write_files(prometheus.render(model, Templates()), tmp_path) / "prometheus"
    doc = {"rule_files": [f"../rules/{service}.rules.yml"], "evaluation_interval": interval, "tests": tests}
    (prom / "tests" / "scenario.test.yml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return run([require_binary("promtool"), "test", "rules", "scenario.test.yml"], prom / "tests")


def assert_passes(r: subprocess.CompletedProcess[str]) -> None:
    assert r.returncode == 0, r.stdout + r.stderr


# --- no data, per environment -------------------------------------------------------------------

def test_no_data_fires_for_the_environment_that_stopped_reporting(model: Model, tmp_path: Path) -> None:
    """Production stops reporting chat series while staging and dev still do: both chat SLOs' no-data alerts
    fire for production (the latency one too, which had none), and only those."""
    steps = 40
    silent = [s for env in ("staging", "dev") for s in chat_traffic(model, env, steps)]
    healthy = [s for env in ENVS for s in chat_traffic(model, env, steps)]
    r = run_scenarios(model, tmp_path, "next", [
        {"name": "production silent", "interval": "1m", "input_series": silent, "promql_expr_test": [
            firing("30m", ("ChatAvailabilityNoData", "production", "ticket"),
                   ("ChatLatencyNoData", "production", "ticket"))]},
        {"name": "every environment reports", "interval": "1m", "input_series": healthy,
         "promql_expr_test": [firing("30m")]},
    ])
    assert_passes(r)


def test_no_data_alert_exists_for_every_slo_kind(model: Model) -> None:
    groups = prometheus.build(model)
    names = {r.alert for gs in groups.values() for g in gs for r in g.rules if r.alert}
    assert {"ChatAvailabilityNoData", "ChatLatencyNoData"} <= names


# --- minimum traffic -----------------------------------------------------------------------------

def provider_traffic(model: Model, per_step: float, errors: float, steps: int) -> list[dict[str, str]]:
    fixed = {"provider": "openai", "model_id": "gpt-4o"}
    count = counter(model, "provider.request.count", "production", per_step, steps, **fixed)
    err = counter(model, "provider.request.errors", "production", errors, steps, **fixed, error_type="http_5xx")
    return [count, err]


def test_ratio_alert_needs_minimum_traffic(model: Model, tmp_path: Path) -> None:
    """About one call a minute with four failures in five must not page; real traffic with 10% errors must."""
    r = run_scenarios(model, tmp_path, "provider", [
        {"name": "one call a minute, 80% failing", "interval": "1m",
         "input_series": provider_traffic(model, 1, 0.8, 60),
         "promql_expr_test": [firing("40m", names="Provider.*")]},
        {"name": "100 calls a minute, 10% failing", "interval": "1m",
         "input_series": provider_traffic(model, 100, 10, 60),
         "promql_expr_test": [firing("40m", ("ProviderErrorRateHigh", "production", "page"), names="Provider.*")]},
    ])
    assert_passes(r)


# --- cost per daily active user -------------------------------------------------------------------

def cost_inputs(model: Model, phases: list[tuple[float, int]], step_minutes: int, dau: float = 100,
                dip_at: int | None = None) -> list[dict[str, str]]:
    """Cost and DAU series: `phases` of (cents per user per day, days), one sample every `step_minutes`."""
    per_day = 24 * 60 // step_minutes
    values, total, steps = [], 0.0, 0
    for cents, days in phases:
        per_step = cents * dau / per_day
        n = days * per_day
        values.append(f"{promql.rounded_number(total + (per_step if steps else 0))}+{promql.rounded_number(per_step)}"
                      f"x{n - (1 if steps else 0)}")
        total += per_step * n
        steps += n
    users = metric(model, "convex.users.daily_active")
    if dip_at is None:
        dau_values = f"{dau}+0x{steps}"
    else:  # one bad sample (the gauge reads 1 for one scrape interval)
        dau_values = f"{dau}+0x{dip_at - 1} 1 {dau}+0x{steps - dip_at - 1}"
    cost = metric(model, "provider.cost_cents")
    labels = {**metric_labels(model, cost, "production"), "provider": "openai", "model_id": "gpt-4o"}
    return [{"series": sel(cost.prom_name, labels), "values": " ".join(values)},
            {"series": sel(users.prom_name, metric_labels(model, users, "production")), "values": dau_values}]


def test_cost_per_dau_waits_for_n_days(model: Model, tmp_path: Path) -> None:
    """60 cents per user per day against a budget of 25 from the first day on: no alert while fewer than
    three days of data exist (the annotation says so instead), then the ticket."""
    r = run_scenarios(model, tmp_path, "provider", [
        {"name": "over budget from day one", "interval": "1h", "input_series": cost_inputs(model, [(60, 5)], 60),
         "promql_expr_test": [firing("1d12h", names="Cost.*"), firing("2d20h", names="Cost.*"),
                              firing("3d4h", ("CostPerDauOverBudget", "production", "ticket"), names="Cost.*")]},
    ], interval="1h")
    assert_passes(r)


def test_cost_per_dau_is_the_ratio_of_three_day_sums(model: Model, tmp_path: Path) -> None:
    """10 cents per user per day for four days, then 40: the last three days' cost over the last three days'
    users crosses the budget of 25 at 5d12h, so the ticket (for: 1h) fires by 5d16h, not hours later."""
    r = run_scenarios(model, tmp_path, "provider", [
        {"name": "over budget from day four", "interval": "1h",
         "input_series": cost_inputs(model, [(10, 4), (40, 3)], 60),
         "promql_expr_test": [firing("5d10h", names="Cost.*"),
                              firing("5d16h", ("CostPerDauOverBudget", "production", "ticket"), names="Cost.*")]},
    ], interval="1h")
    assert_passes(r)


def test_one_bad_dau_sample_raises_nothing(model: Model, tmp_path: Path) -> None:
    """22 cents per user per day (budget 25) for five days; the DAU gauge reads 1 for ten minutes on day 4."""
    dip = 4 * 24 * 6  # ten-minute steps
    r = run_scenarios(model, tmp_path, "provider", [
        {"name": "one DAU sample of 1", "interval": "10m",
         "input_series": cost_inputs(model, [(22, 5)], 10, dip_at=dip),
         "promql_expr_test": [firing(at, names="Cost.*") for at in ("4d", "4d2h", "4d12h", "4d23h")]},
    ], interval="10m")
    assert_passes(r)


# --- a stalled assessment queue --------------------------------------------------------------------

def test_stalled_backlog_fires_without_any_job_starting(model: Model, tmp_path: Path) -> None:
    """Workers stop: jobs wait, none starts, the wait-time histogram gets no samples. The oldest waiting
    job's age keeps growing, and the backlog alert fires on it."""
    age = metric(model, "py.assessment.oldest_waiting_ms")
    labels = metric_labels(model, age, "production")
    healthy = [{"series": sel(age.prom_name, metric_labels(model, age, env)), "values": "0+0x60"} for env in ENVS]
    stalled = [{"series": sel(age.prom_name, labels), "values": "0+60000x60"}] + healthy[1:]
    r = run_scenarios(model, tmp_path, "py", [
        {"name": "queue stalled in production", "interval": "1m", "input_series": stalled,
         "promql_expr_test": [firing("45m", ("AssessmentBacklogStalled", "production", "ticket"))]},
        {"name": "queue empty", "interval": "1m", "input_series": healthy, "promql_expr_test": [firing("45m")]},
    ])
    assert_passes(r)


# --- burn-rate factors -------------------------------------------------------------------------------

@pytest.mark.parametrize("period", ["3d", "7d", "14d", "28d", "30d", "90d"])
def test_burn_rate_factors_never_fall_below_one(model: Model, period: str) -> None:
    slo = model.slos[0]
    factors = [t.factor for t in prometheus.tiers(type(slo)(**{**slo.__dict__, "period": period}))]
    assert min(factors) >= 1, factors
    assert factors == sorted(factors, reverse=True), factors


# --- generated tests and lint of ratio thresholds -----------------------------------------------------

ONE_METRIC_RATIO = """
version: 1
project: {name: shop, metric_prefix: shop, environments: [prod, dev],
          links: {catalog: "https://docs.example/obs.md", grafana: "https://grafana.example"}}
services:
  api: {description: The API.}
tags:
  env: {type: environment, description: Environment.}
  status: {type: enum, values: [error, ok], description: Outcome.}
metrics:
  api.request.count: {type: counter, unit: requests, tags: [env, status], description: Requests.}
alerts:
  ApiErrorShareHigh:
    service: api
    severity: ticket
    description: Share of requests that fail.
    ratio: {numerator: api.request.count, numerator_filter: {status: error}, denominator: api.request.count}
    above: THRESHOLD
    for: 5m
"""


def test_filtered_ratio_on_one_metric_gets_a_passing_test(compile_text, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """numerator_filter on the denominator's own metric: each input series once, the expected share right."""
    for threshold in ("0.05", "0"):
        compiled = compile_text(ONE_METRIC_RATIO.replace("THRESHOLD", threshold), f"spec{threshold}.yaml")
        assert compiled.ok, [d.text() for d in compiled.diagnostics]
        prom = write_files(prometheus.render(compiled.model, Templates()), tmp_path / threshold) / "prometheus"
        doc = yaml.safe_load((prom / "tests" / "ApiErrorShareHigh.test.yml").read_text())
        for t in doc["tests"]:
            names = [s["series"] for s in t["input_series"]]
            assert len(names) == len(set(names)), names
        r = run([require_binary("promtool"), "test", "rules", "ApiErrorShareHigh.test.yml"], prom / "tests")
        assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("threshold", ["-0.1", "5", "1"])
def test_ratio_threshold_outside_zero_one_is_rejected(compile_text, threshold: str) -> None:  # type: ignore[no-untyped-def]
    compiled = compile_text(ONE_METRIC_RATIO.replace("THRESHOLD", threshold))
    assert [d.rule for d in compiled.diagnostics] == ["alert-ratio-threshold"], [d.text() for d in compiled.diagnostics]


# --- long windows from recorded rates (item 6) ---------------------------------------------------

def test_long_windows_read_only_recorded_rates(model: Model) -> None:
    """Every selector of an SLO rule over a day or more names a recording rule's series: no rule of an SLO
    group re-reads raw series over 1d, 3d or the period at each evaluation (the cost issue #12 measured)."""
    from obs_codegen.backends.promtool_cost import selectors

    long = [(g.name, s.name) for gs in prometheus.build(model).values() for g in gs if g.name.startswith("slo-")
            for r in g.rules for s in selectors(r.expr) if (s.window or 0) >= 86400]
    assert long and all(":" in name for _, name in long), long
    assert {name for _, name in long} == {"slo:sli_bad_events:rate5m", "slo:sli_events:rate5m"}, long


def test_recorded_long_window_is_weighted_by_traffic(model: Model, tmp_path: Path) -> None:
    """A busy healthy half-day (6,000 requests a minute) then a quiet half-day at 50 % errors (600 a minute):
    the 1d SLI is the share of failed requests, 300 x 720 / (6,600 x 720) = 4.5 %, as rate() over the raw
    counters gives; the average of the 5m ratios (Sloth's 30d window shape) would say about 25 %."""
    from obs_codegen.backends.rules.testkit import phased

    route = {"route": "POST /api/chat"}
    total, errors = metric(model, "next.request.count"), metric(model, "next.request.errors")
    inputs = [phased(m.prom_name, {**metric_labels(model, m, "production"), **route}, phases)
              for m, phases in ((total, [(6000, 720), (600, 720)]), (errors, [(0, 720), (300, 720)]))]
    slo = '{slo="chat-availability", env="production"}'
    raw = f"sum(rate({sel(errors.prom_name, route)}[1d])) / sum(rate({sel(total.prom_name, route)}[1d]))"
    one = [{"labels": "{}", "value": 1}]
    r = run_scenarios(model, tmp_path, "next", [
        {"name": "busy and healthy, then quiet and failing", "interval": "1m", "input_series": inputs,
         "promql_expr_test": [
             {"expr": f"count(slo:sli_error:ratio_rate1d{slo} > 0.0450 < 0.0460)", "eval_time": "1d",
              "exp_samples": one},
             {"expr": f"count(abs(sum(slo:sli_error:ratio_rate1d{slo}) - ({raw})) < 0.0005)", "eval_time": "1d",
              "exp_samples": one},
             {"expr": f"count(avg_over_time(slo:sli_error:ratio_rate5m{slo}[1d]) > 0.2)", "eval_time": "1d",
              "exp_samples": one}]},
    ], interval="5m")
    assert_passes(r)
