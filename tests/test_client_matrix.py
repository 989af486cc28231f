"""Compatibility matrix: each client library, driven by the generated packages, exposes exactly the series
the generated dashboards and rules query (Python: prometheus_client and the OpenTelemetry SDK; Node:
prom-client through `instrumentation.createMetrics` and the OpenTelemetry JS SDK with its Prometheus
exporter through `otel.createOtelMetrics`, both by tests/matrix/scrape.mjs).

For each client (prometheus_client through `instrumentation.create_metrics`; the OpenTelemetry SDK
with its Prometheus exporter through `otel.create_otel_metrics`), tests/matrix/scrape.py records
one sample per metric and label value through the typed recording methods and scrapes `/metrics`
over HTTP. The queried set is read from the rendered artifacts (every dashboard target and
`label_values()` variable, every rule expression): series names, the labels each query matches or
groups on, and the `le` bounds it selects. Every queried series must be exposed with exactly the
spec's labels and buckets; nothing outside the spec may be exposed. A failure names the client,
the metric and the mismatch. The negative control gives the OpenTelemetry instruments the raw spec
unit and must fail naming `opentelemetry` and a metric; the other leaves the SDK's default buckets
and must fail on the chat-latency SLO's `le="8000"` bound.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, run, write_files

from obs_codegen.backends import render_all
from obs_codegen.spec.model import Metric, Model
from obs_codegen.verify.dashboards import panels_of, plausible
from obs_codegen.verify.promql import selectors

SCRAPE = ROOT / "tests" / "matrix" / "scrape.py"
SCRAPE_JS = ROOT / "tests" / "matrix" / "scrape.mjs"
CLIENTS = ("prometheus_client", "opentelemetry", "prom-client", "opentelemetry-js", "logmetrics-mtail")
JS_CLIENTS = ("prom-client", "opentelemetry-js", "logmetrics-mtail")
_LABEL_VALUES = re.compile(r"^label_values\((.*),\s*(\w+)\)$", re.S)
_SUFFIXES = ("_bucket", "_count", "_sum", "_total")


@pytest.fixture(scope="module")
def out(model: Model, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = write_files(render_all(model), tmp_path_factory.mktemp("out"))
    (out / "node_modules").symlink_to(ROOT / "node_modules")  # where typescript/*.js find prom-client and OpenTelemetry
    return out


class Queried:
    """What the generated dashboards and rules read from the raw series (recording rules excluded)."""

    def __init__(self) -> None:
        self.labels: dict[str, set[str]] = defaultdict(set)  # series -> labels matched or grouped on
        self.le: dict[str, set[float]] = defaultdict(set)  # bucket series -> `le` bounds selected

    def add(self, expr: str) -> None:
        import promql_parser

        tree = promql_parser.parse(expr)
        for sel in selectors(tree):
            name = sel.vector.name
            if not name or ":" in name:
                continue
            self.labels[name] |= {m.name for m in sel.vector.matchers.matchers if m.name != "__name__"}
            for m in sel.vector.matchers.matchers:
                if m.name == "le" and str(m.op) in ("MatchOp.Equal", "MatchOp.Re"):  # `le="8000"`, `le=~"8000|8000\\.0"`
                    alternatives = m.value.split("|") if str(m.op) == "MatchOp.Re" else [m.value]
                    self.le[name] |= {float(v.replace("\\.", ".")) for v in alternatives}
        for group in re.findall(r"\bby\s*\(([^)]*)\)", expr):
            for name in self.labels:
                if name in expr:
                    self.labels[name] |= {g.strip() for g in group.split(",") if g.strip() and g.strip() != "le"}


def queried_series(model: Model, out: Path) -> Queried:
    q = Queried()
    for path in sorted((out / "grafana" / "dashboards").glob("*.json")):
        dashboard = json.loads(path.read_text())
        for panel in panels_of(dashboard):
            for target in panel.get("targets", []):
                if target.get("expr"):
                    q.add(plausible(target["expr"], model))
        for var in dashboard.get("templating", {}).get("list", []):
            match = _LABEL_VALUES.match(str(var.get("query", "")))
            if var.get("type") == "query" and match:
                q.add(plausible(match.group(1), model))
                name = match.group(1).split("{")[0].strip()
                if ":" not in name:
                    q.labels[name].add(match.group(2))
    for path in sorted((out / "prometheus" / "rules").glob("*.yml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                q.add(rule["expr"])
    return q


def scrape(out: Path, client: str, *extra: str) -> str:
    if client in JS_CLIENTS:
        ran = run(["node", str(SCRAPE_JS), client, str(out / "typescript"), *extra], timeout=120)
        assert ran.returncode == 0, f"{client}: the scrape script failed:\n{ran.stderr}"
        return ran.stdout
    ran = run([sys.executable, str(SCRAPE), client, "coachup_obs", *extra],
              env={"PYTHONPATH": str(out / "python"), "PROMETHEUS_DISABLE_CREATED_SERIES": "True"}, timeout=120)
    assert ran.returncode == 0, f"{client}: the scrape script failed:\n{ran.stderr}"
    return ran.stdout


_SAMPLE = re.compile(r"^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})? \S+$")
_LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"')


def raw_samples(text: str) -> dict[str, dict[str, Any]]:
    """`exposed` for mtail's exposition, read line by line as Prometheus reads it: mtail declares the histogram
    series it counts itself (`_bucket`, `_sum`, `_count`) as counters, which prometheus_client's parser renames."""
    series: dict[str, dict[str, Any]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        assert m, f"not an exposition sample line: {line!r}"
        labels = dict(_LABEL.findall(m.group(2) or ""))
        entry = series.setdefault(m.group(1), {"labels": set(), "le": set()})
        entry["labels"] |= {k for k in labels if k != "le"}
        if "le" in labels:
            entry["le"].add(float(labels["le"]))
    return series


def exposed(text: str, client: str = "") -> dict[str, dict[str, Any]]:
    """Exposed series name -> label names (without `le`) and `le` bounds, from a /metrics body."""
    from prometheus_client.parser import text_string_to_metric_families

    if client == "logmetrics-mtail":
        return raw_samples(text)
    series: dict[str, dict[str, Any]] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            entry = series.setdefault(s.name, {"labels": set(), "le": set()})
            entry["labels"] |= {k for k in s.labels if k != "le"}
            if "le" in s.labels:
                entry["le"].add(float(s.labels["le"]))
    series.pop("target_info", None)  # OpenTelemetry's resource metadata, not a spec series
    return series


def owner(model: Model, series: str) -> Metric | None:
    return next((m for m in model.metrics if series in m.series), None)


def matrix_failures(client: str, text: str, model: Model, queried: Queried) -> list[str]:
    got = exposed(text, client)
    failures = []
    for name in sorted(queried.labels):
        m = owner(model, name)
        if m is None:
            failures.append(f"{client}: the dashboards and rules query {name}, which no spec metric exposes")
            continue
        where = f"{client}, metric {m.key}"
        if name not in got:
            base = m.base_name
            near = sorted(n for n in got if n.startswith(base) and n not in m.series)
            failures.append(f"{where}: queried series {name} is not exposed"
                            + (f" (exposed instead: {', '.join(near)})" if near else ""))
            continue
        if got[name]["labels"] != set(m.labels):
            failures.append(f"{where}: {name} has labels {sorted(got[name]['labels'])}, the spec and queries "
                            f"use {sorted(m.labels)}")
        missing = queried.labels[name] - got[name]["labels"] - {"le"}
        if missing:
            failures.append(f"{where}: the queries match or group {name} on {sorted(missing)}, which it lacks")
        if name.endswith("_bucket"):
            want = set(m.buckets) | {float("inf")}
            if got[name]["le"] != want:
                failures.append(f"{where}: {name} has buckets {sorted(got[name]['le'])}, the spec says {sorted(want)}")
            absent = queried.le[name] - got[name]["le"]
            if absent:
                failures.append(f"{where}: the queries select le={sorted(absent)} of {name}, which is not exposed")
    spec_series = {s for m in model.metrics for s in m.series}
    for name in sorted(set(got) - spec_series):
        m = next((x for x in model.metrics if name.startswith(x.base_name)), None)
        failures.append(f"{client}, metric {m.key if m else '?'}: exposes {name}, which is not a spec series")
    return failures


def test_the_queried_set_comes_from_the_artifacts(model: Model, out: Path) -> None:
    q = queried_series(model, out)
    # The SLO and alert rules select the latency SLO's bucket bound, and every metric's series is read somewhere.
    assert any(q.le.values()), "no query selects a histogram bucket bound"
    unread = sorted(m.key for m in model.metrics if not set(m.series) & set(q.labels))
    assert not unread, f"metrics no dashboard or rule reads: {unread}"


@pytest.mark.parametrize("client", CLIENTS)
def test_client_exposes_exactly_the_queried_series(client: str, model: Model, out: Path) -> None:
    failures = matrix_failures(client, scrape(out, client), model, queried_series(model, out))
    assert not failures, f"{len(failures)} mismatch(es):\n" + "\n".join(failures)


def test_raw_spec_unit_in_opentelemetry_fails_naming_client_and_metric(model: Model, out: Path) -> None:
    failures = matrix_failures("opentelemetry", scrape(out, "opentelemetry", "--raw-unit"), model,
                               queried_series(model, out))
    text = "\n".join(failures)
    assert "opentelemetry, metric next.request.latency_ms: queried series coachup_next_request_latency_ms_bucket " \
           "is not exposed (exposed instead: coachup_next_request_latency_ms_milliseconds_bucket" in text, text
    assert "opentelemetry, metric next.request.count: queried series coachup_next_request_count_total is not " \
           "exposed (exposed instead: coachup_next_request_count_requests_total)" in text, text


@pytest.mark.parametrize("client", ["opentelemetry", "opentelemetry-js"])
def test_default_opentelemetry_buckets_fail_naming_the_slo_bound(client: str, model: Model, out: Path) -> None:
    failures = matrix_failures(client, scrape(out, client, "--default-buckets"), model, queried_series(model, out))
    text = "\n".join(failures)
    assert f"{client}, metric next.request.latency_ms: the queries select le=[8000.0] of " \
           "coachup_next_request_latency_ms_bucket, which is not exposed" in text, text
    assert not any("is not exposed (exposed instead" in f for f in failures), text  # the names are right


TRANSLATE = """
import json, sys
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.exposition import generate_latest
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider

registry = CollectorRegistry()
meter = MeterProvider(metric_readers=[PrometheusMetricReader(registry=registry)]).get_meter("t")
for name, unit, kind in json.loads(sys.argv[1]):
    if kind == "counter":
        meter.create_counter(name, unit=unit).add(1)
    elif kind == "gauge":
        meter.create_gauge(name, unit=unit).set(1)
    else:
        meter.create_histogram(name, unit=unit).record(1)
names = sorted({f.name + ("_total" if f.type == "counter" else "")
                for f in text_string_to_metric_families(generate_latest(registry).decode()) if f.name != "target_info"})
print(json.dumps(names))
"""
CASES = [(f"shop.api.{name}", unit, kind) for name, unit, kind in (
    ("request.count", "{requests}", "counter"), ("request.count_raw", "requests", "counter"),
    ("latency_ms", "ms", "histogram"), ("latency_ms_none", "", "histogram"), ("size_bytes", "By", "histogram"),
    ("wait", "s", "histogram"), ("cls", "1", "histogram"), ("load", "1", "gauge"), ("tokens_in", "tokens", "counter"),
    ("cost_cents", "cents", "counter"), ("users", "{users}", "gauge"), ("rate", "By/s", "gauge"),
    ("a__b", "", "gauge"))]


def test_the_python_translation_model_is_the_exporters(tmp_path: Path) -> None:
    """`naming.otel_prometheus_name(..., implementation="python")` predicts the real exporter's names."""
    from obs_codegen.spec import naming

    ran = run([sys.executable, "-c", TRANSLATE, json.dumps(CASES)], timeout=60)
    assert ran.returncode == 0, ran.stderr
    predicted = sorted(naming.otel_prometheus_name(n, u, k, implementation="python") for n, u, k in CASES)
    assert json.loads(ran.stdout) == predicted


@pytest.mark.parametrize(("name", "unit", "kind", "want"), [
    # The OpenTelemetry Collector's documented normalization examples (pkg/translator/prometheus).
    ("(lambda).function.executions(#)", "", "gauge", "lambda_function_executions"),
    ("system.filesystem.usage", "By", "gauge", "system_filesystem_usage_bytes"),
    ("system.network.dropped", "{packets}", "counter", "system_network_dropped_total"),
    ("system.network.dropped", "packets", "gauge", "system_network_dropped_packets"),
    ("system.memory.utilization", "1", "gauge", "system_memory_utilization_ratio"),
    ("api.total.requests", "", "counter", "api_requests_total"),
    ("api.tokens_in", "tokens", "counter", "api_tokens_in_total"),  # the unit word is already a word of the name
])
def test_the_specification_translation(name: str, unit: str, kind: str, want: str) -> None:
    from obs_codegen.spec import naming

    assert naming.otel_prometheus_name(name, unit, kind) == want
    assert naming.otel_prometheus_name(name, unit, kind, suffixes=False) == "_".join(
        w for w in re.split(r"[^a-zA-Z0-9:]+", name) if w)
