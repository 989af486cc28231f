"""Record one sample per metric and label value through a generated Python client module, then
print what a real scrape of `/metrics` returns (run by tests/test_client_matrix.py in a subprocess).

    python scrape.py prometheus_client|opentelemetry PACKAGE [--raw-unit | --default-buckets]

`prometheus_client` uses `instrumentation.create_metrics`; `opentelemetry` uses `otel.create_otel_metrics`
with the OpenTelemetry SDK and its Prometheus exporter. Both register on a fresh CollectorRegistry
served by prometheus_client's HTTP server on a free loopback port; the exposition is fetched once
over HTTP and written to stdout. `--raw-unit` (the negative control) gives every OpenTelemetry
instrument the spec's unit as written instead of the naming rule's; `--default-buckets` (the other)
creates the histograms without bucket advice or views, so the SDK's default boundaries apply.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import itertools
import sys
import urllib.request
from typing import Any

CANDIDATES = ("v1", "gpt-4o-mini", "a1", "x")  # sample values tried against a bounded-string tag's pattern


def label_values(checks: Any, label: str) -> list[str]:
    check = checks[label]
    if check.values:
        return sorted(check.values)
    for value in CANDIDATES:
        if check.pattern is None or check.pattern.fullmatch(value):
            return [value]
    raise SystemExit(f"no sample value matches the pattern of label {label!r}")


def record(service_metrics: Any, metrics: Any, labels: Any) -> int:
    """Call every recording method once per combination of label values; returns the number of calls."""
    calls = 0
    for field in dataclasses.fields(service_metrics):
        spec = getattr(metrics, field.name)
        method = getattr(service_metrics, field.name.lower())
        params = list(inspect.signature(method).parameters)
        checks = labels.LABEL_CHECKS.get(spec.key, {})
        combos = itertools.product(*(label_values(checks, label) for label in spec.labels))
        for combo in combos:
            bound = method(**dict(zip(params, combo)))
            if spec.type == "counter":
                bound.inc()
            elif spec.type == "gauge":
                bound.set(1)
            else:
                bound.observe(spec.buckets[len(spec.buckets) // 2])
            calls += 1
    return calls


def main(client: str, package: str, raw_unit: bool, default_buckets: bool) -> None:
    import prometheus_client

    metrics = importlib.import_module(f"{package}.metrics")
    labels = importlib.import_module(f"{package}.labels")
    registry = prometheus_client.CollectorRegistry()
    services = sorted({spec.key.split(".")[0] for spec in metrics.METRICS.values()})
    if client == "prometheus_client":
        instrumentation = importlib.import_module(f"{package}.instrumentation")
        created = [instrumentation.create_metrics(s, registry) for s in services
                   if s in instrumentation.ServiceName.__args__]
    else:
        otel = importlib.import_module(f"{package}.otel")
        if raw_unit:
            for name, spec in list(vars(metrics).items()):
                if isinstance(spec, metrics.MetricSpec):
                    setattr(metrics, name, dataclasses.replace(spec, otel_unit=spec.unit))
        if default_buckets:
            otel.views = list
            otel._histogram = lambda spec, meter: meter.create_histogram(spec.name, unit=spec.otel_unit,
                                                                         description=spec.description)
        provider = otel.meter_provider([otel.prometheus_reader(registry)])
        created = [otel.create_otel_metrics(s, provider) for s in services if s in otel.ServiceName.__args__]
    for service_metrics in created:
        record(service_metrics, metrics, labels)
    server, thread = prometheus_client.start_http_server(0, addr="127.0.0.1", registry=registry)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/metrics", timeout=30) as response:
            sys.stdout.write(response.read().decode())
    finally:
        server.shutdown()
        thread.join(10)


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("prometheus_client", "opentelemetry"):
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2], "--raw-unit" in sys.argv[3:], "--default-buckets" in sys.argv[3:])
