"""The context of the TypeScript modules for runtimes that cannot be scraped: `rum`, `ingest`, `logmetrics`.

* `rum` (browser) and `ingest` (the Next.js route handler it posts to) exist when the spec has Web
  Vitals: histograms whose key ends in `vitals.lcp`, `vitals.inp`, `vitals.cls`, `vitals.ttfb` or
  `vitals.fcp` (`_ms`/`_s` suffix allowed; the timings in `ms` or `s`, CLS unitless). The services
  owning them are the RUM services; every counter and histogram of those services can be
  reported (gauges cannot: a browser has no meaningful gauge). Each reportable metric gets its
  recording method, its value bound (histograms: 0 to 100 times the largest bucket; counters:
  whole increments of 1 to `MAX_COUNT`), the labels every reportable metric shares (the batch's
  common labels) and the rest (per event).
* `logmetrics` (Convex and other unscrapable functions) covers every service with metrics: one
  JSON log line per measurement, which the generated mtail program (backends/mtail.py) turns
  back into the spec's series.
"""

from __future__ import annotations

import re
from typing import Any

from ..spec.model import Metric, Model
from .escaped import code
from .ts_values import Typed, Value, dts, js

INGEST_PATH = "/api/rum"
MAX_BATCH_EVENTS = 50
MAX_BODY_BYTES = 16384
MAX_COUNT = 100
HISTOGRAM_RANGE_FACTOR = 100  # a histogram value may be up to this many times the largest bucket
LOG_MARKER = "obs.metric"  # the `obs` field of every logmetrics line

# web-vitals' reporting function per vital; CLS is a unitless score, the rest are milliseconds.
VITALS = {"lcp": ("LCP", "onLCP"), "inp": ("INP", "onINP"), "cls": ("CLS", "onCLS"), "ttfb": ("TTFB", "onTTFB"),
          "fcp": ("FCP", "onFCP")}
_VITAL_KEY = re.compile(r"(?:^|\.)vitals\.(lcp|inp|cls|ttfb|fcp)(?:_ms|_s)?$")
_TIME_SCALE = {"ms": 1, "s": 0.001}


def vital_of(metric: Metric) -> tuple[str, str, float] | None:
    """(web-vitals name, its `on*` function, the factor from milliseconds to the metric's unit), if a vital."""
    m = _VITAL_KEY.search(metric.key)
    if m is None or metric.type != "histogram":
        return None
    name, fn = VITALS[m.group(1)]
    if name == "CLS":
        return (name, fn, 1) if metric.unit in ("none", "") else None
    scale = _TIME_SCALE.get(metric.unit)
    return (name, fn, scale) if scale is not None else None


def web_view(model: Model, ctx: dict[str, Any]) -> dict[str, Any]:
    """`rum` (None without Web Vitals) and `log_services_js` for the templates."""
    rows = {m["spec"].key: (s["name"], m) for s in ctx["ts_services"] for m in s["metrics"]}
    vitals: list[tuple[Metric, tuple[str, str, float]]] = [
        (m, v) for m in model.metrics if (v := vital_of(m)) is not None]
    out: dict[str, Any] = {"log_services_js": js(
        {s["name"]: [[m["method"], m["spec"].key, *([m["alias_method"]] if m["alias"] else [])]
                     for m in s["metrics"]] for s in ctx["ts_services"]}), "log_marker": LOG_MARKER}
    if not vitals:
        out["rum"] = None
        return out
    services = sorted({m.service for m, _ in vitals})
    metrics = [m for m in model.metrics if m.service in services and m.type in ("counter", "histogram")]
    common = [label for label in metrics[0].labels if all(label in m.labels for m in metrics)]
    table: dict[str, Value] = {}
    reported: list[dict[str, Any]] = []
    for m in metrics:
        service, row = rows[m.key]
        limit = m.buckets[-1] * HISTOGRAM_RANGE_FACTOR if m.type == "histogram" else MAX_COUNT
        extra = [label for label in row["labels"] if label["label"] not in common]
        table[m.key] = {"service": service, "method": row["method"], "type": m.type, "max": limit,
                        "labels": [label["label"] for label in extra]}
        reported.append({"key": m.key, "spec": m, "extra": extra, "max": limit})
    common_types = [label for label in rows[metrics[0].key][1]["labels"] if label["label"] in common]
    vital_rows = [{"name": name, "fn": fn, "key": m.key, "scale": scale} for m, (name, fn, scale) in vitals]
    vitals_table: list[Value] = [[Typed(code("typescript", fn), code("typescript", "never")), m.key, scale]
                                 for m, (_, fn, scale) in vitals]
    out["rum"] = {
        "services": services, "metrics": reported, "common": common_types, "vitals": vital_rows,
        "imports": sorted({label["type"] for r in reported for label in r["extra"] if label["type"] != "string"}
                          | {label["type"] for label in common_types if label["type"] != "string"}),
        "table_js": js(table), "table_dts": dts(table),
        "vitals_js": js(vitals_table),
        "path": INGEST_PATH, "max_events": MAX_BATCH_EVENTS, "max_body_bytes": MAX_BODY_BYTES,
        "max_count": MAX_COUNT, "range_factor": HISTOGRAM_RANGE_FACTOR,
    }
    return out
