"""Stage 2 output: the resolved, immutable model that every check and backend reads.

Every object is a frozen dataclass holding tuples, with references already
resolved (a metric holds its `Tag` objects, an SLO its `Metric` objects) and
its source position kept for diagnostics. Derived names (Prometheus names,
label names, recording-rule names, anchors, dashboard uids) live in `naming`
and are exposed here as properties so that every backend agrees on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from . import naming
from .humanise import humanise
from .lifecycle import Deprecation
from .targets import Targets

MetricType = Literal["counter", "gauge", "histogram"]
TagKind = Literal["enum", "string", "hashed_id"]
Aggregation = Literal["sum", "max", "min", "avg"]


@dataclass(frozen=True)
class Pos:
    """Where an item is defined: file, 1-based line and column."""

    file: str
    line: int
    column: int


@dataclass(frozen=True)
class PerEnv:
    """A number per environment (all the same when the spec gave one number)."""

    values: tuple[tuple[str, float], ...]

    def get(self, env: str) -> float:
        return dict(self.values)[env]

    @property
    def uniform(self) -> float | None:
        distinct = {v for _, v in self.values}
        return distinct.pop() if len(distinct) == 1 else None


@dataclass(frozen=True)
class Hashing:
    algorithm: str = "hmac-sha256"
    hex_chars: int = 32
    salt_env: str = "OBS_ID_HASH_SALT"
    salt_rotation_days: int = 90

    @property
    def hex_pattern(self) -> str:
        return f"[0-9a-f]{{{self.hex_chars}}}"


@dataclass(frozen=True)
class Project:
    name: str
    title: str
    description: str
    metric_prefix: str
    environments: tuple[str, ...]
    python_package: str
    typescript_package: str
    dashboards_folder: str
    catalog_url: str
    grafana_url: str
    series_budget: int
    hashing: Hashing
    header_default_max_bytes: int
    strip_unknown_headers: bool
    forbidden_log_fields: tuple[str, ...]
    log_retention_days: int | None
    redaction_description: str
    pos: Pos
    page_environments: tuple[str, ...] = ()  # where `severity: page` pages; a ticket elsewhere
    retention: str = "15d"  # the Prometheus TSDB retention the rules may rely on (`prometheus.retention`)


@dataclass(frozen=True)
class Service:
    name: str
    title: str
    description: str
    dashboard_uid: str
    pos: Pos
    owner: str = ""  # the `owner` label of its alerts (default: the project name)


@dataclass(frozen=True)
class Hop:
    name: str
    description: str
    source: str
    target: str
    external: bool
    pos: Pos


@dataclass(frozen=True)
class Tag:
    """A dimension: a metric label, a log field type, a header value type."""

    name: str
    kind: TagKind
    description: str
    label: str
    values: tuple[str, ...]
    max_values: int | None
    pattern: str | None
    prefix: str | None
    opaque_pattern: str | None
    is_environment: bool
    pos: Pos
    renamed_from: str | None = None  # the tag name it had before
    deprecated: Deprecation | None = None

    @property
    def bounded(self) -> bool:
        """True when the tag may be a metric label (a known, small number of values)."""
        return self.kind != "hashed_id" and self.cardinality is not None

    @property
    def cardinality(self) -> int | None:
        if self.kind == "enum":
            return len(self.values)
        if self.kind == "string":
            return self.max_values
        return None


@dataclass(frozen=True)
class Metric:
    key: str  # spec name, e.g. "next.request.latency_ms"
    name: str  # with the project prefix, e.g. "coachup.next.request.latency_ms"
    service: str
    family: str  # second segment: request, sse, provider, ...
    type: MetricType
    unit: str
    description: str
    tags: tuple[Tag, ...]
    buckets: tuple[float, ...]
    pos: Pos
    title: str = ""  # short panel title; `display_title` falls back to the humanised name
    aggregation: Aggregation = "sum"  # gauges: how series combine across instances
    part_of: str | None = None  # counters: key of the total this counts a failure/subset of
    renamed_from: str | None = None  # the spec name it had before (for `obs-codegen diff`)
    deprecated: Deprecation | None = None

    @property
    def display_title(self) -> str:
        """The spec's `title`, or the name humanised: "next.request.latency_ms" -> "Request latency"."""
        return self.title or humanise(self.key)

    @property
    def base_name(self) -> str:
        """Prometheus name without type suffixes (what prometheus_client is given)."""
        return naming.prom_base(self.name)

    @property
    def prom_name(self) -> str:
        """The name queries use: `_total` for counters, the base name otherwise (histograms: their series
        are `bucket_series`, `sum_series` and `count_series`)."""
        return self.base_name if self.type == "histogram" else naming.prom_series(self.name, self.type)[0]

    @property
    def series(self) -> tuple[str, ...]:
        """Every series name the metric exposes (histograms: _bucket, _sum, _count)."""
        return naming.prom_series(self.name, self.type)

    @property
    def prom_client_name(self) -> str:
        """What prom-client is given (it appends no `_total`): the counter series, else the base name."""
        return naming.prom_client_name(self.name, self.type)

    @property
    def otel_name(self) -> str:
        """The OpenTelemetry instrument name: the dotted name with the project prefix."""
        return self.name

    @property
    def otel_unit(self) -> str:
        """The OpenTelemetry instrument unit under which the Prometheus translation keeps `series`."""
        return naming.otel_unit(self.name, self.unit, self.type)

    @property
    def bucket_series(self) -> str:
        return self.base_name + "_bucket"

    @property
    def count_series(self) -> str:
        return self.base_name + "_count"

    @property
    def sum_series(self) -> str:
        return self.base_name + "_sum"

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(t.label for t in self.tags)

    @property
    def anchor(self) -> str:
        return naming.anchor("metric", self.key)


@dataclass(frozen=True)
class Header:
    name: str
    group: str
    required: bool
    description: str
    format: str
    tag: Tag | None
    value: str | None
    max_bytes: int
    secret: bool
    identity: bool
    hops: tuple[str, ...]
    pattern: str  # regular expression for a valid value (anchored)
    pos: Pos
    renamed_from: str | None = None
    deprecated: Deprecation | None = None

    @property
    def anchor(self) -> str:
        return naming.anchor("header", self.name)


@dataclass(frozen=True)
class LogField:
    name: str
    type: str  # string integer number boolean datetime uuid enum service hashed_id object
    required: bool
    description: str
    values: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    pattern: str | None = None  # anchored regular expression for strings and hashed ids
    unit: str | None = None
    tag: Tag | None = None
    object: LogObject | None = None
    pos: Pos = Pos("", 0, 0)
    renamed_from: str | None = None
    deprecated: Deprecation | None = None


@dataclass(frozen=True)
class LogObject:
    name: str
    description: str
    fields: tuple[LogField, ...]
    pos: Pos


@dataclass(frozen=True)
class LogEvent:
    key: str  # "py.provider_call"
    name: str  # "provider_call"
    service: str
    description: str
    discriminator: str
    fields: tuple[LogField, ...]  # the event's own fields; the envelope is separate
    pos: Pos

    @property
    def discriminator_field(self) -> LogField | None:
        return next((f for f in self.fields if f.name == self.discriminator), None)

    @property
    def anchor(self) -> str:
        return naming.anchor("log", self.key)


@dataclass(frozen=True)
class Logs:
    description: str
    envelope: tuple[LogField, ...]
    objects: tuple[LogObject, ...]
    events: tuple[LogEvent, ...]

    def events_for(self, service: str) -> tuple[LogEvent, ...]:
        return tuple(e for e in self.events if e.service == service)


@dataclass(frozen=True)
class Budget:
    name: str
    description: str
    unit: str
    value: PerEnv
    pos: Pos


Filter = tuple[tuple[Tag, str], ...]


@dataclass(frozen=True)
class SLO:
    name: str
    service: str
    description: str
    period: str
    objective: PerEnv  # percent
    kind: Literal["ratio", "latency"]
    errors: Metric | None
    total: Metric | None
    latency_metric: Metric | None
    threshold: float | None
    filter: Filter
    min_requests_per_hour: float
    absent_alert: bool
    pos: Pos
    owner: str = ""

    @property
    def anchor(self) -> str:
        return naming.anchor("slo", self.name)

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return tuple(m for m in (self.errors, self.total, self.latency_metric) if m is not None)


@dataclass(frozen=True)
class Alert:
    name: str
    service: str
    severity: Literal["page", "ticket"]
    description: str
    summary: str
    kind: Literal["quantile", "ratio", "gauge", "cost_per_user"]
    for_: str
    threshold: PerEnv
    budget: Budget | None
    pos: Pos
    # quantile
    metric: Metric | None = None
    q: float | None = None
    # ratio
    numerator: Metric | None = None
    numerator_filter: Filter = ()
    denominator: Metric | None = None
    # cost_per_user
    cost: Metric | None = None
    users: Metric | None = None
    average_over: str | None = None
    min_users: float = 1.0  # cost_per_user: fewer daily active users than this make the ratio absent
    # shared
    filter: Filter = ()
    by: tuple[Tag, ...] = ()
    min_requests: float = 0.0  # quantile, ratio: events in the rate window below which the alert stays quiet
    severity_per_env: tuple[tuple[str, str], ...] = ()  # an explicit `severity: {env: ...}` map
    owner: str = ""

    @property
    def anchor(self) -> str:
        return naming.anchor("alert", self.name)

    @property
    def metrics(self) -> tuple[Metric, ...]:
        found = (self.metric, self.numerator, self.denominator, self.cost, self.users)
        return tuple(m for m in found if m is not None)


@dataclass(frozen=True)
class Model:
    """The whole resolved spec. Collections are tuples in spec order; lookups by name below."""

    spec_path: str
    project: Project
    services: tuple[Service, ...]
    hops: tuple[Hop, ...]
    tags: tuple[Tag, ...]
    metrics: tuple[Metric, ...]
    headers: tuple[Header, ...]
    logs: Logs
    budgets: tuple[Budget, ...]
    slos: tuple[SLO, ...]
    alerts: tuple[Alert, ...]
    source: bytes = field(default=b"", compare=False, repr=False)  # the spec's bytes, as read (out/spec/spec.yaml)
    # A multi-file spec's included files (spec/includes.py): (path relative to the root's directory, bytes).
    included: tuple[tuple[str, bytes], ...] = field(default=(), compare=False, repr=False)
    targets: Targets = field(default_factory=Targets)
    _index: Mapping[str, Mapping[str, object]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[str, Mapping[str, object]] = {
            "service": {s.name: s for s in self.services},
            "tag": {t.name: t for t in self.tags},
            "metric": {m.key: m for m in self.metrics},
            "header": {h.name: h for h in self.headers},
            "hop": {h.name: h for h in self.hops},
        }
        by_service: dict[str, list[Metric]] = {}  # one pass, not one scan of all metrics per service
        for m in self.metrics:
            by_service.setdefault(m.service, []).append(m)
        index["metrics_for"] = {k: tuple(v) for k, v in by_service.items()}
        object.__setattr__(self, "_index", MappingProxyType({k: MappingProxyType(v) for k, v in index.items()}))

    def service(self, name: str) -> Service:
        return self._index["service"][name]  # type: ignore[return-value]

    def tag(self, name: str) -> Tag:
        return self._index["tag"][name]  # type: ignore[return-value]

    def metric(self, key: str) -> Metric:
        return self._index["metric"][key]  # type: ignore[return-value]

    def header(self, name: str) -> Header:
        return self._index["header"][name]  # type: ignore[return-value]

    def metrics_for(self, service: str) -> tuple[Metric, ...]:
        return self._index["metrics_for"].get(service, ())  # type: ignore[return-value]

    def headers_for_hop(self, hop: str) -> tuple[Header, ...]:
        return tuple(h for h in self.headers if hop in h.hops)

    def error_pair(self, metric: Metric) -> Metric | None:
        """For a counter declaring `part_of: <total>`, that total counter (declared, never guessed from names)."""
        if metric.type != "counter" or metric.part_of is None:
            return None
        other = self._index["metric"].get(metric.part_of)
        return other if isinstance(other, Metric) and other.type == "counter" else None

    def dashboard_uid_for(self, item: Alert | SLO) -> str:
        """A generated dashboard for an alert's or SLO's links: its service's, or (a service without metrics
        has none) that of its first metric's service, which always exists."""
        for service in (item.service, *(m.service for m in item.metrics)):
            if self.metrics_for(service):
                return self.service(service).dashboard_uid
        return self.slo_overview_uid

    @property
    def slo_overview_uid(self) -> str:
        return naming.dashboard_uid(self.project.name, "slo-overview")
