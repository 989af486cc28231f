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

import hashlib
import re

SLO_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")

_DURATION = re.compile(r"([0-9]+)(ms|s|m|h|d|w)")  # fullmatch: `$` would accept "28d\n"
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def prom_base(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_]", "_", name)


def prom_series(name: str, metric_type: str) -> tuple[str, ...]:
    base = prom_base(name)
    if metric_type == "counter":
        return (base + "_total",)
    if metric_type == "histogram":
        return (base + "_bucket", base + "_sum", base + "_count")
    return (base,)


def snake_case(name: str) -> str:
    """`modelId` -> `model_id`, `userIDHash` -> `user_id_hash`, `x-request-id` -> `x_request_id`."""
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return re.sub(r"[^a-z0-9]+", "_", s.lower()).strip("_")


def duration_seconds(text: str) -> float:
    m = _DURATION.fullmatch(text)
    if not m:
        raise ValueError(f"not a duration: {text!r}")
    return int(m.group(1)) * _SECONDS[m.group(2)]


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
SLO_LABEL = "slo"
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
