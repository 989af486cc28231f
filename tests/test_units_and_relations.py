"""The unit table, gauge aggregation, declared `part_of`, readable titles, and two fixes of issue 13.

Each test compiles a small spec (or the Coach Up one) and reads the generated dashboards,
rules, catalog and constants: bytes, seconds, percent and currency get their Grafana unit for
values, rates and totals; a gauge with `aggregation: max` is queried with `max by` on its panel
and in the cost rule; an error-ratio panel exists exactly where `part_of` is declared, whatever
the names, with the same variables on both sides; the catalog prints 1048576 as written; the
TypeScript `promName` of a histogram is its base name, as its doc comment says.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any

import pytest

from obs_codegen.backends import backend
from obs_codegen.backends.templating import Templates
from obs_codegen.spec import units
from obs_codegen.spec.humanise import humanise
from obs_codegen.spec.model import Model
from obs_codegen.verify.dashboards import check_promql, lint_dashboard, panels_of

SPEC = """
version: 1
project: {name: relay, metric_prefix: relay, environments: [live, canary]}
services:
  worker: {description: Batch worker.}
tags:
  stage: {type: environment, description: Stage.}
  queue: {type: enum, values: [email, export], description: Queue.}
  reason: {type: enum, label: failure_reason, values: [timeout, crash], description: Reason.}
metrics:
  worker.job.runs: {type: counter, unit: jobs, tags: [stage, queue], description: Runs.}
  worker.job.failures: {type: counter, unit: jobs, tags: [stage, queue, reason], part_of: worker.job.runs,
                        title: Failed runs, description: Failed runs.}
  worker.job.duration_seconds: {type: histogram, unit: s, buckets: [0.5, 5, 60], tags: [stage], description: Run time.}
  worker.sync.payload_bytes: {type: histogram, unit: bytes, buckets: [1024, 1048576], tags: [stage], description: Size.}
  worker.sync.bytes: {type: counter, unit: bytes, tags: [stage], description: Bytes synced.}
  worker.queue.oldest_age_seconds: {type: gauge, unit: s, aggregation: max, tags: [stage, queue], description: Age.}
  worker.pool.free_slots: {type: gauge, unit: jobs, aggregation: min, tags: [stage], description: Free slots.}
  worker.memory.rss_bytes: {type: gauge, unit: bytes, aggregation: avg, tags: [stage], description: Memory.}
  worker.queue.depth: {type: gauge, unit: jobs, tags: [stage], description: Waiting jobs.}
  worker.cpu.busy: {type: gauge, unit: ratio, tags: [stage], description: Busy share.}
  worker.disk.used: {type: gauge, unit: percent, tags: [stage], description: Disk used.}
  worker.fees.cost_cents: {type: counter, unit: cents, tags: [stage], description: Fees.}
  worker.retry.count: {type: counter, unit: events, tags: [stage], description: Retries.}
  worker.retry.errors: {type: counter, unit: events, tags: [stage], description: Retries that failed (no part_of).}
"""


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Model:
    from obs_codegen.pipeline import compile_spec

    path = tmp_path_factory.mktemp("relay") / "spec.yaml"
    path.write_text(SPEC, encoding="utf-8")
    compiled = compile_spec(path, "spec.yaml")
    assert compiled.ok and compiled.model is not None, [d.text() for d in compiled.diagnostics]
    assert compiled.diagnostics == [], [d.text() for d in compiled.diagnostics]
    return compiled.model


def _board(model: Model, name: str) -> dict[str, Any]:
    files = backend("dashboards")(model, Templates())
    board: dict[str, Any] = json.loads(files[PurePosixPath(f"grafana/dashboards/{name}.json")])
    return board


def _panels(board: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["title"]: p for p in panels_of(board) if p["type"] != "row"}


def _unit(panel: dict[str, Any]) -> str:
    return str(panel["fieldConfig"]["defaults"]["unit"])


def test_units_for_values_rates_and_totals(relay: Model) -> None:
    board = _board(relay, "worker")
    assert lint_dashboard(board) == [] and check_promql(board, relay) == []
    panels = _panels(board)
    assert _unit(panels["Job duration p50/p95/p99"]) == "s"
    assert _unit(panels["Sync payload p50/p95/p99"]) == "bytes"
    assert panels["Sync payload distribution"]["options"]["yAxis"]["unit"] == "bytes"
    assert _unit(panels["Sync bytes (/s)"]) == "Bps"  # a bytes counter is a throughput, not `cps`
    assert _unit(panels["Memory rss"]) == "bytes"
    assert _unit(panels["Queue oldest age"]) == "s"
    assert _unit(panels["Cpu busy"]) == "percentunit" and _unit(panels["Disk used"]) == "percent"
    assert _unit(panels["Fees cost ($/h)"]) == "currencyUSD"
    assert panels["Fees cost ($/h)"]["targets"][0]["expr"].endswith("[$__rate_interval])) * 3600 / 100")
    assert _unit(panels["Fees cost total"]) == "currencyUSD" and _unit(panels["Fees cost per day"]) == "currencyUSD"
    assert _unit(panels["Retry count (/s)"]) == "eps" and _unit(panels["Job runs (/s)"]) == "cps"


def test_unit_table_is_data_and_every_entry_is_complete() -> None:
    table = units.table()
    assert units.TABLE.suffix == ".json" and {"ms", "s", "bytes", "cents", "percent", "ratio", "requests"} <= set(table)
    for unit, uses in table.items():
        assert set(uses) == {"value", "rate", "total"}, unit
        assert all(d.grafana and d.divide_by > 0 for d in uses.values()), unit
    assert units.display("cents", "value") == units.Display("currencyUSD", 100)
    assert units.display("widgets", "rate") == units.FALLBACK["rate"]


def test_gauge_aggregation_on_panels(relay: Model) -> None:
    panels = _panels(_board(relay, "worker"))
    expr = {t: p["targets"][0]["expr"] for t, p in panels.items()}
    assert expr["Queue oldest age"] == ('max by (queue) (relay_worker_queue_oldest_age_seconds'
                                        '{stage="$stage", queue=~"$queue"})')
    assert expr["Pool free slots"].startswith("min(") and expr["Memory rss"].startswith("avg(")
    assert expr["Queue depth"].startswith("sum(")  # the documented default
    assert "maximum" in panels["Queue oldest age"]["description"]


def test_gauge_aggregation_in_the_cost_rule(tmp_path: Any, compile_text: Any) -> None:
    """The cost-per-user record reads the users gauge with its declared aggregation."""
    from conftest import CASES

    text = (CASES / "minimal" / "spec.yaml").read_text()
    assert "aggregation: max" in text
    for agg in ("max", "avg"):
        compiled = compile_text(text.replace("aggregation: max", f"aggregation: {agg}"), name=f"{agg}.yaml")
        assert compiled.ok, [d.text() for d in compiled.diagnostics]
        rules = backend("prometheus")(compiled.model, Templates())
        text_out = b"".join(v for k, v in rules.items() if k.name == "vendor.rules.yml").decode()
        assert f"expr: {agg} by (env) (shop_api_users_daily_active) >= 1" in text_out


def test_error_ratio_from_part_of_with_both_sides_narrowed(relay: Model) -> None:
    panels = _panels(_board(relay, "worker"))
    ratios = {t: p for t, p in panels.items() if _unit(p) == "percentunit" and " / " in t}
    assert list(ratios) == ["Failed runs / Job runs"]  # worker.retry.errors declares no part_of: no panel
    num, den = ratios["Failed runs / Job runs"]["targets"][0]["expr"].split(" / ")
    for side in (num, den):
        assert 'stage="$stage"' in side and 'queue=~"$queue"' in side and side.startswith("sum by (queue) (")
    assert "relay_worker_job_failures_total" in num and "relay_worker_job_runs_total" in den


def test_titles_from_spec_or_humanised(relay: Model) -> None:
    titles = set(_panels(_board(relay, "worker")))
    assert "Failed runs (/s)" in titles  # the spec's title
    assert "Job duration p50/p95/p99" in titles  # humanised, unit suffix left to the axis
    assert humanise("next.request.latency_ms") == "Request latency"
    assert humanise("convex.users.daily_active") == "Users daily active"
    assert humanise("solo") == "Solo"


def test_catalog_prints_numbers_as_written(relay: Model) -> None:
    files = backend("catalog")(relay, Templates())
    text = next(v for k, v in files.items() if k.suffix == ".md").decode()
    assert "Buckets: 1024, 1048576." in text and "Buckets: 0.5, 5, 60." in text
    assert "e+06" not in text and "1.04858" not in text


def test_histogram_prom_name_is_its_base_name(relay: Model) -> None:
    hist = relay.metric("worker.job.duration_seconds")
    assert hist.prom_name == hist.base_name == "relay_worker_job_duration_seconds"
    assert relay.metric("worker.job.runs").prom_name == "relay_worker_job_runs_total"
    files = backend("typescript")(relay, Templates())
    ts = next(v for k, v in files.items() if k.name == "metrics.js").decode()
    block = ts[ts.index('key: "worker.job.duration_seconds"'):]
    assert block.split("\n")[2].strip() == 'promName: "relay_worker_job_duration_seconds",'
    assert "_bucket\", \"" in block.split("\n")[4]  # the series list still names every series
