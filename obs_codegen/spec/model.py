"""Stage 2 output: the resolved, immutable model that every check and backend reads.

Every object is a frozen dataclass holding tuples, with references already
resolved (a metric holds its `Tag` objects, an SLO its `Metric` objects) and
its source position kept for diagnostics. Derived names (Prometheus names,
label names, recording-rule names, anchors, dashboard uids) live in `naming`
and are exposed here as properties so that every backend agrees on them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal, TypeVar

from . import naming
from .custom import CustomPanel, CustomRecord
from .humanise import humanise
from .lifecycle import Deprecation
from .targets import Targets

T = TypeVar("T")

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
        """The digest as the generated helpers emit it (`hex_chars` digits) or in full (64: `sha256(id + salt)`
        as the seed describes it, from a service that hashes without the helpers)."""
        if self.hex_chars >= 64:
            return "[0-9a-f]{64}"
        return f"[0-9a-f]{{{self.hex_chars}}}(?:[0-9a-f]{{{64 - self.hex_chars}}})?"


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
    version: str = "0.0.0"  # of the generated packages: `project.version`, else 0.0.0+spec.<digest of the spec>


@dataclass(frozen=True)
class Service:
    name: str
    title: str
    description: str
    dashboard_uid: str
    pos: Pos
    owner: str = ""  # the `owner` label of its alerts (default: the project name)


BUILTIN_HEADER_GROUPS = ("required", "recommended", "sse", "tracing", "provider")


@dataclass(frozen=True)
class External:
    """A third party requests leave to (an LLM or payment provider): a hop end, never a metric source."""

    name: str
    title: str
    description: str
    pos: Pos


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
    custom_unit: str | None = None  # Grafana unit of a spec-declared (`units:`) unit

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
    envelope_optional: tuple[str, ...] = ()  # required envelope fields this event may lack (`envelope.optional`)
    envelope_reason: str = ""

    @property
    def discriminator_field(self) -> LogField | None:
        return next((f for f in self.fields if f.name == self.discriminator), None)

    @property
    def discriminator_values(self) -> tuple[str, ...]:
        """The values that select this event (empty: the field's presence does). One rule for the log
        schemas, validate-logs and both emitters: a line is this event's when it has the discriminator
        field and, where the field is an enum, one of its values."""
        field = self.discriminator_field
        return field.values if field is not None and field.type == "enum" else ()

    @property
    def anchor(self) -> str:
        return naming.anchor("log", self.key)


@dataclass(frozen=True)
class Logs:
    description: str
    envelope: tuple[LogField, ...]
    objects: tuple[LogObject, ...]
    events: tuple[LogEvent, ...]

    def envelope_of(self, event: LogEvent) -> tuple[LogField, ...]:
        """The envelope as `event` carries it: fields it declares `envelope.optional` are not required."""
        if not event.envelope_optional:
            return self.envelope
        return tuple(replace(f, required=False) if f.name in event.envelope_optional else f for f in self.envelope)

    def events_for(self, service: str) -> tuple[LogEvent, ...]:
        return tuple(e for e in self.events if e.service == service)


Filter = tuple[tuple[Tag, str], ...]


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
    externals: tuple[External, ...] = ()
    header_groups: tuple[str, ...] = BUILTIN_HEADER_GROUPS  # and the spec's `header_groups:`, in order
    recording_rules: tuple[CustomRecord, ...] = ()  # hand-written (`recording_rules:`)
    panels: tuple[CustomPanel, ...] = ()  # hand-written (`panels:`)
    _index: Mapping[str, Mapping[str, object]] = field(default_factory=dict, compare=False, repr=False)
    # Indexes that a backend builds once per model (`memo`); never copied by dataclasses.replace.
    _memo: dict[str, object] = field(default_factory=dict, init=False, compare=False, repr=False)

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

    def memo(self, key: str, build: Callable[[Model], T]) -> T:
        """`build(self)`, computed once per model under `key` (an index over the whole model, not one scan per item)."""
        if key not in self._memo:
            self._memo[key] = build(self)
        return self._memo[key]  # type: ignore[return-value]

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


# Budgets, SLOs and alerts live in model_alerts (which imports this module); re-exported here.
from .model_alerts import SLO, Alert, Budget  # noqa: E402

__all__ = ["BUILTIN_HEADER_GROUPS", "SLO", "Aggregation", "Alert", "Budget", "CustomPanel", "CustomRecord", "External",
           "Filter", "Hashing", "Header", "Hop", "LogEvent", "LogField", "LogObject", "Logs", "Metric", "MetricType",
           "Model", "PerEnv", "Pos", "Project", "Service", "Tag", "TagKind"]
