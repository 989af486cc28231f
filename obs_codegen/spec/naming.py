"""Naming rules shared by every stage and backend, defined once.

Prometheus translation (documented in the README):
  * the metric name is the spec name with the project prefix, dots -> underscores:
    `next.request.latency_ms` -> `coachup_next_request_latency_ms`;
  * counters are exposed with `_total`; histograms as `_bucket`, `_sum`, `_count`;
  * label names are the tag's `label:` or the tag name in snake_case (`modelId` -> `model_id`).

Recording rules follow the `level:metric:operations` convention; their names are
built here so the rules backend and the dashboards that read them cannot disagree.
"""

from __future__ import annotations

import functools
import hashlib
import re

from . import durations

SLO_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")



# Pure functions of a name, called for every metric by several rules and backends: memoised.
@functools.lru_cache(maxsize=1 << 16)
def prom_base(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_]", "_", name)


def prom_series(name: str, metric_type: str) -> tuple[str, ...]:
    base = prom_base(name)
    if metric_type == "counter":
        return (base + "_total",)
    if metric_type == "histogram":
        return (base + "_bucket", base + "_sum", base + "_count")
    return (base,)


@functools.lru_cache(maxsize=1 << 16)
def snake_case(name: str) -> str:
    """`modelId` -> `model_id`, `userIDHash` -> `user_id_hash`, `x-request-id` -> `x_request_id`."""
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return re.sub(r"[^a-z0-9]+", "_", s.lower()).strip("_")


def duration_seconds(text: str) -> float:
    """Seconds of a Prometheus duration the lint has accepted (`1h30m` -> 5400.0)."""
    return durations.seconds_or_fail(text)


def anchor(kind: str, name: str) -> str:
    """Stable HTML anchor in the catalog, e.g. `metric-next-request-latency-ms`."""
    return f"{kind}-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def dashboard_uid(project: str, name: str) -> str:
    """Deterministic Grafana uid (<= 40 chars) from project and dashboard name."""
    uid = re.sub(r"[^a-z0-9-]+", "-", f"{project}-{name}".lower()).strip("-")
    if len(uid) <= 40:
        return uid
    digest = hashlib.sha256(uid.encode()).hexdigest()[:8]
    return uid[:31].rstrip("-") + "-" + digest


# --- recording rules shared by the rules backend and the dashboards -----------------

def slo_error_ratio_record(window: str) -> str:
    """SLI error ratio over `window`, one series per SLO (label `slo`) and environment."""
    return f"slo:sli_error:ratio_rate{window}"


SLO_OBJECTIVE_RECORD = "slo:objective:ratio"
SLO_BASE_WINDOW = "5m"  # the SLI's bad and all events per second over this window are recorded once per evaluation
SLO_BAD_EVENTS_RECORD = f"slo:sli_bad_events:rate{SLO_BASE_WINDOW}"  # failed (or too slow) requests per second
SLO_EVENTS_RECORD = f"slo:sli_events:rate{SLO_BASE_WINDOW}"  # all the SLI's requests per second
SLO_LABEL = "slo"
LONG_WINDOW_LABEL, SHORT_WINDOW_LABEL = "long_window", "short_window"  # a burn-rate tier's windows
SLO_BUDGET_REMAINING_RECORD = "slo:error_budget_remaining:ratio"


def slo_windows(period: str) -> tuple[str, ...]:
    """Windows with an SLI recording rule: the burn-rate windows plus the SLO period."""
    return SLO_WINDOWS if period in SLO_WINDOWS else SLO_WINDOWS + (period,)


def daily_increase_record(base_name: str) -> str:
    """Daily increase of a counter (e.g. cost), summed by env."""
    return f"env:{base_name}:increase1d"


def per_user_record(base_name: str) -> str:
    """Daily increase of a counter divided by daily active users, by env."""
    return f"env:{base_name}_per_active_user:ratio1d"


def users_record(base_name: str) -> str:
    """A daily-active-users gauge combined by env, absent while it reads below the spec's floor."""
    return f"env:{base_name}:floored"


def camel_case(name: str) -> str:
    """`chat-availability` -> `ChatAvailability`."""
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", name) if w)


def slo_alert_name(slo: str, suffix: str) -> str:
    """Alert name of an SLO (`ChatAvailabilityBurnFast`), CamelCase and at most 40 characters.

    A name that must be truncated ends its kept part with 6 hex digits of the SLO name's hash
    (`ApiAvailabilityOfThePrim3f9a1cBurnFast`), so distinct long SLO names stay distinct.
    """
    name = camel_case(slo)
    if len(name) + len(suffix) <= 40:
        return name + suffix
    digest = hashlib.sha256(slo.encode()).hexdigest()[:6]
    return name[: 40 - len(suffix) - len(digest)] + digest + suffix


# --- one name in every client library (prometheus_client, prom-client, OpenTelemetry) ------------
#
# prometheus_client and prom-client are given the base name (`Counter("coachup_x", ...)` exposes
# `coachup_x_total`; prom-client's Counter takes the full `coachup_x_total`). OpenTelemetry is given
# the dotted name and a unit, and its Prometheus translation (the OpenTelemetry specification's
# "Prometheus and OpenMetrics compatibility", implemented by the SDK exporters, the Collector and
# Prometheus 3's OTLP receiver) makes the Prometheus name from both:
#   * runs of characters outside [a-zA-Z0-9:] become one `_` (leading/trailing ones are dropped);
#   * with suffixes (the default), the unit is translated (UCUM `ms` -> `milliseconds`, `s` ->
#     `seconds`, `By` -> `bytes`, `1` -> nothing, an annotation `{requests}` -> nothing, any other
#     unit is used as written) and appended unless the name already has it; monotonic sums get
#     `_total` (a `total` word elsewhere in a counter's name is removed); gauges with unit `1` get
#     `_ratio`;
#   * without suffixes (`UnderscoreEscapingWithoutSuffixes`), the name is only escaped.
# The unit an OpenTelemetry instrument is given is the spec unit in UCUM (`otel_ucum_unit`) when
# the translation of name + that unit is the Prometheus base name under every implementation;
# otherwise (`latency_ms` + `ms` would be exposed as `latency_ms_milliseconds`) it is empty.

# Spec unit -> UCUM unit (OpenTelemetry). Units missing here are counts of things: `{unit}`.
OTEL_UCUM_UNITS = {"ms": "ms", "s": "s", "seconds": "s", "bytes": "By", "none": "1", "1": "1", "%": "%"}
# UCUM unit -> Prometheus unit word, as the translation spells it (subset the spec can produce).
PROM_UNIT_WORDS = {"d": "days", "h": "hours", "min": "minutes", "s": "seconds", "ms": "milliseconds",
                   "us": "microseconds", "ns": "nanoseconds", "By": "bytes", "KiBy": "kibibytes", "MiBy": "mebibytes",
                   "GiBy": "gibibytes", "KBy": "kilobytes", "MBy": "megabytes", "GBy": "gigabytes", "m": "meters",
                   "V": "volts", "A": "amperes", "J": "joules", "W": "watts", "g": "grams", "Cel": "celsius",
                   "Hz": "hertz", "1": "", "%": "percent"}
_PER_UNIT_WORDS = {"s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week", "mo": "month", "y": "year"}
_OTEL_INVALID = re.compile(r"[^a-zA-Z0-9:]+")
_ANNOTATION = re.compile(r"\{[^}]*\}")


def otel_ucum_unit(unit: str) -> str:
    """The spec unit as OpenTelemetry writes it: `ms`, `s`, `By`, `1`, or an annotation `{requests}`."""
    return OTEL_UCUM_UNITS.get(unit, "{" + unit + "}")


def prom_unit_word(otel_unit: str) -> str:
    """The Prometheus unit suffix the translation appends for an OpenTelemetry unit ('' for none)."""
    unit = _ANNOTATION.sub("", otel_unit).strip()
    if unit in PROM_UNIT_WORDS:
        return PROM_UNIT_WORDS[unit]
    top, slash, bottom = unit.partition("/")
    if slash and _OTEL_INVALID.sub("_", bottom).strip("_"):  # `By/s` -> `bytes_per_second`
        top_word = PROM_UNIT_WORDS.get(top, _OTEL_INVALID.sub("_", top).strip("_"))
        per = _PER_UNIT_WORDS.get(bottom, _OTEL_INVALID.sub("_", bottom))
        return f"{top_word}_per_{per}" if top_word else f"per_{per}"
    return _OTEL_INVALID.sub("_", unit).strip("_")


def otel_prometheus_name(name: str, otel_unit: str, metric_type: str, suffixes: bool = True,
                         implementation: str = "spec") -> str:
    """The Prometheus base name (before `_bucket`/`_sum`/`_count`; with `_total` for counters) that
    OpenTelemetry's translation gives an instrument `name` with `otel_unit`.

    `implementation="spec"` is the specification's token rule (the Collector, Prometheus's OTLP
    receiver): the unit word is appended unless some word of the name already is it, and a
    `total` word is moved to the end of a counter. `"python"` is opentelemetry-exporter-prometheus
    (through prometheus_client): the unit is appended unless the name ends in `_<unit>`, `_total`
    is appended unless the name ends in it, and `1` never becomes `_ratio`.
    """
    words = [w for w in _OTEL_INVALID.split(name) if w]
    if not suffixes:
        return "_".join(words)
    unit = prom_unit_word(otel_unit)
    if implementation == "python":
        base = "_".join(words)
        if unit and not base.endswith("_" + unit):
            base += "_" + unit
        if metric_type == "counter" and not base.endswith("_total"):
            base += "_total"
        return base
    if unit and unit not in words:
        words.append(unit)
    if metric_type == "counter":
        words = [w for w in words if w != "total"] + ["total"]
    if metric_type == "gauge" and otel_unit == "1":
        words = [w for w in words if w != "ratio"] + ["ratio"]
    return "_".join(words)


def otel_unit(name: str, unit: str, metric_type: str) -> str:
    """The unit to give an OpenTelemetry instrument so that it is exposed as `prom_series(name)`:
    the spec unit in UCUM when every translation keeps the Prometheus name, else ''."""
    want = prom_series(name, metric_type)[0] if metric_type == "counter" else prom_base(name)
    ucum = otel_ucum_unit(unit)
    if all(otel_prometheus_name(name, ucum, metric_type, True, impl) == want for impl in ("spec", "python")):
        return ucum
    return ""


def prom_client_name(name: str, metric_type: str) -> str:
    """What prom-client is given: it appends no `_total`, so counters get the full series name."""
    return prom_base(name) + "_total" if metric_type == "counter" else prom_base(name)


def otel_mismatch(name: str, unit: str, metric_type: str) -> str | None:
    """Why an OpenTelemetry instrument cannot be exposed under the metric's Prometheus name, whatever
    its unit (None: the one `otel_unit` chooses is)."""
    base = prom_base(name)
    escaped = otel_prometheus_name(name, "", metric_type, suffixes=False)
    if escaped != base:
        return f"OpenTelemetry escapes the name to '{escaped}', the other clients keep '{base}'"
    want = prom_client_name(name, metric_type)
    chosen = otel_unit(name, unit, metric_type)
    for impl, who in (("spec", "the OpenTelemetry specification's translation"), ("python", "the Python exporter")):
        got = otel_prometheus_name(name, chosen, metric_type, True, impl)
        if got != want:
            return f"{who} exposes '{got}' instead of '{want}'"
    return None
