"""Stage 3: semantic lint rules, kept in one registry.

Each rule has a stable id, a one-line purpose, a severity and a check function
`(model, source) -> iterable of Diagnostic`. Rules whose findings are produced by
earlier stages (the loader's `spec-*`, the resolver's `ref-*`) are registered too,
without a function, so `obs-codegen lint --list-rules` documents every id a user
can see. Privacy rules from the Coach Up seed (hashed ids only, no raw content in
logs, no secret beyond its hop, bounded label cardinality) are enforced here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from . import naming
from .diagnostics import Diagnostic, Severity
from .loader import Source
from .model import LogField, Metric, Model, Tag

Check = Callable[[Model, Source], Iterable[Diagnostic]]


@dataclass(frozen=True)
class Rule:
    id: str
    purpose: str
    severity: Severity
    check: Check | None = None


RULES: dict[str, Rule] = {}


def rule(rule_id: str, purpose: str, severity: Severity = "error") -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        RULES[rule_id] = Rule(rule_id, purpose, severity, fn)
        return fn

    return register


def _stage(rule_id: str, purpose: str) -> None:
    RULES[rule_id] = Rule(rule_id, purpose, "error")


for _id, _purpose in (
    ("spec-too-large", "The spec file is over the size limit."),
    ("spec-encoding", "The spec file is not UTF-8."),
    ("spec-yaml", "The spec is not valid YAML (or uses merge keys / complex keys)."),
    ("spec-yaml-aliases", "Too many YAML aliases or nodes (YAML bomb protection)."),
    ("spec-empty", "The spec file is empty."),
    ("spec-duplicate-key", "A mapping defines the same key twice."),
    ("spec-unknown-key", "A key the spec language does not know (with a did-you-mean)."),
    ("spec-missing-key", "A required key is missing."),
    ("spec-type", "A value has the wrong type."),
    ("spec-enum", "A value is not one of the allowed values."),
    ("spec-pattern", "A name or value does not match its required pattern."),
    ("spec-schema", "Another violation of the spec schema."),
    ("ref-unknown-service", "A reference to a service that is not defined."),
    ("ref-unknown-tag", "A reference to a tag or tag set that is not defined."),
    ("ref-unknown-tag-value", "A filter uses a value the tag does not have."),
    ("ref-unknown-metric", "A reference to a metric that is not defined."),
    ("ref-unknown-hop", "A header lists a hop that is not defined."),
    ("ref-unknown-object", "A log field refers to an object that is not defined."),
    ("ref-unknown-bucket-set", "A histogram refers to a bucket set that is not defined."),
    ("ref-unknown-budget", "An alert refers to a budget that is not defined."),
    ("ref-unknown-environment", "A per-environment value names an unknown environment."),
    ("ref-missing-environment", "A per-environment value misses an environment."),
    ("ref-missing-values", "An enum tag or field has no values."),
    ("ref-ambiguous-tag-set", "A tag set has the name of a tag."),
    ("ref-unknown-discriminator", "A log event's discriminator is not one of its required fields."),
    ("ref-slo-kind", "An SLO is neither a ratio nor a latency SLO."),
    ("ref-alert-kind", "An alert has no quantile, ratio or cost_per_user condition."),
    ("ref-alert-threshold", "An alert has no threshold."),
):
    _stage(_id, _purpose)


# --- metrics ----------------------------------------------------------------------

UNIT_SUFFIXES = {"ms": "ms", "seconds": "s", "cents": "cents", "bytes": "bytes"}
COUNTER_WORDS = ("count", "errors", "events", "total", "disconnects", "stalls")


@rule("metric-name", "Metric names are lowercase dotted <service>.<family>.<name>, without the project prefix.")
def _metric_name(model: Model, src: Source) -> Iterator[Diagnostic]:
    prefix = model.project.metric_prefix
    for m in model.metrics:
        parts = m.key.split(".")
        if parts[0] == prefix and prefix not in {s.name for s in model.services}:
            yield src.diag(("metrics", m.key), "metric-name",
                           f"'{m.key}': leave out the prefix '{prefix}.'; it is added to every metric", key=True)


@rule("metric-unit-suffix", "A unit suffix in the name agrees with the declared unit (_ms <-> ms).")
def _unit_suffix(model: Model, src: Source) -> Iterator[Diagnostic]:
    for m in model.metrics:
        last = m.key.rsplit(".", 1)[-1]
        suffix = next((s for s in UNIT_SUFFIXES if last == s or last.endswith("_" + s)), None)
        if suffix and UNIT_SUFFIXES[suffix] != m.unit:
            yield src.diag(("metrics", m.key, "unit"), "metric-unit-suffix",
                           f"'{m.key}' ends in _{suffix} but its unit is '{m.unit}' (expected {UNIT_SUFFIXES[suffix]})")
        elif not suffix and m.unit in UNIT_SUFFIXES.values() and m.type != "gauge":
            want = next(k for k, v in UNIT_SUFFIXES.items() if v == m.unit)
            yield src.diag(("metrics", m.key, "unit"), "metric-unit-suffix",
                           f"'{m.key}' has unit '{m.unit}': end its name in _{want}")


@rule("metric-type", "Counters count, histograms measure: buckets only on histograms, ascending; latencies are histograms.")
def _metric_type(model: Model, src: Source) -> Iterator[Diagnostic]:
    for m in model.metrics:
        path = ("metrics", m.key)
        last = m.key.rsplit(".", 1)[-1]
        if m.type == "histogram":
            if not m.buckets:
                yield src.diag(path, "metric-type", f"histogram '{m.key}' needs buckets", key=True)
            elif list(m.buckets) != sorted(set(m.buckets)):
                yield src.diag(path + ("buckets",), "metric-type", f"buckets of '{m.key}' must be ascending and distinct")
        elif m.buckets:
            yield src.diag(path + ("buckets",), "metric-type", f"{m.type} '{m.key}' cannot have buckets")
        if m.type == "counter" and m.unit in ("ms", "s"):
            yield src.diag(path + ("type",), "metric-type",
                           f"'{m.key}' measures a duration: make it a histogram, not a counter")
        if m.type in ("gauge", "histogram") and last in COUNTER_WORDS:  # an invalid type is spec-enum's
            yield src.diag(path + ("type",), "metric-type",
                           f"'{m.key}' is named like a count; declare it as a counter, not a {m.type}")
        if m.type == "counter" and last.endswith("_total"):
            yield src.diag(path, "metric-type", f"'{m.key}': do not end a counter in _total; it is added", key=True)


@rule("metric-prom-collision", "No two metrics share a Prometheus series name after translation.")
def _prom_collision(model: Model, src: Source) -> Iterator[Diagnostic]:
    seen: dict[str, Metric] = {}
    for m in model.metrics:
        for series in m.series:
            other = seen.get(series)
            if other is not None and other is not m:
                yield src.diag(("metrics", m.key), "metric-prom-collision",
                               f"'{m.key}' and '{other.key}' both expose Prometheus series '{series}'", key=True)
            seen[series] = m


@rule("metric-label-unbounded", "Hashed ids and unbounded tags are never metric labels.")
def _label_unbounded(model: Model, src: Source) -> Iterator[Diagnostic]:
    sets = src.data.get("tag_sets", {}) if isinstance(src.data, dict) else {}
    for m in model.metrics:
        raw = _raw(src, "metrics", m.key, "tags")
        for tag in m.tags:
            if tag.bounded:
                continue
            index = _index_of(raw, tag.name, sets)
            why = "a hashed id (unbounded, privacy)" if tag.kind == "hashed_id" else "unbounded (no values or max_values)"
            yield src.diag(("metrics", m.key, "tags", index), "metric-label-unbounded",
                           f"tag '{tag.name}' is {why} and cannot be a label of metric '{m.key}'; log it instead")


@rule("metric-cardinality", "Each metric's label-value combinations stay under project.series_budget.")
def _cardinality(model: Model, src: Source) -> Iterator[Diagnostic]:
    budget = model.project.series_budget
    for m in model.metrics:
        n = series_count(m)
        if n is not None and n > budget:
            yield src.diag(("metrics", m.key, "tags"), "metric-cardinality",
                           f"'{m.key}' can have {n} series, over the budget of {budget}")


def series_count(m: Metric) -> int | None:
    """Upper bound of series for a metric (None if a label is unbounded)."""
    n = len(m.buckets) + 3 if m.type == "histogram" else 1
    for tag in m.tags:
        if tag.cardinality is None:
            return None
        n *= tag.cardinality
    return n


@rule("metric-label-collision", "Two tags of one metric map to the same Prometheus label.")
def _label_collision(model: Model, src: Source) -> Iterator[Diagnostic]:
    for m in model.metrics:
        labels = [t.label for t in m.tags]
        for label in sorted({x for x in labels if labels.count(x) > 1}):
            yield src.diag(("metrics", m.key, "tags"), "metric-label-collision",
                           f"'{m.key}' has two tags with Prometheus label '{label}'")
        for t in m.tags:
            if t.label in ("le", "quantile") or t.label.startswith("__"):
                yield src.diag(("tags", t.name, "label"), "metric-label-collision",
                               f"tag '{t.name}' uses the reserved Prometheus label '{t.label}'")


@rule("tag-kind", "Tags carry what their kind needs: enum values, a string bound, a hashed-id prefix.")
def _tag_kind(model: Model, src: Source) -> Iterator[Diagnostic]:
    for t in model.tags:
        path = ("tags", t.name)
        if t.kind == "hashed_id" and not t.prefix:
            yield src.diag(path, "tag-kind", f"hashed_id tag '{t.name}' needs a prefix such as 'u:'", key=True)
        if t.kind == "string" and t.max_values is None:
            yield src.diag(path, "tag-kind",
                           f"string tag '{t.name}' has no max_values; it can never be a metric label", "warning", key=True)
        for p in (t.pattern, t.opaque_pattern):
            if p is not None and not _valid_regex(p):
                yield src.diag(path, "tag-kind", f"tag '{t.name}': invalid regular expression {p!r}", key=True)
        if t.opaque_pattern is not None and not OPAQUE_ID.match(t.opaque_pattern):
            yield src.diag(path + ("opaque_pattern",), "tag-kind",
                           f"opaque_pattern of '{t.name}' must be anchored (^...$) and start with a literal prefix "
                           "such as '^grp_', so a raw identifier cannot pass as opaque")


# An opaque server-generated id: anchored, with a literal prefix of two or more characters.
OPAQUE_ID = re.compile(r"^\^[A-Za-z0-9_:-]{2,}[^|]*\$$")


# --- headers ----------------------------------------------------------------------

HEADER_NAME = re.compile(r"^[a-z0-9!#$%&'*+.^_`|~-]+$")
IDENTITY_HINT = re.compile(r"(user|session|focus|group|account|email|customer)[-_]?id|email|phone", re.I)


@rule("header-name", "Header names are valid lowercase HTTP tokens.")
def _header_name(model: Model, src: Source) -> Iterator[Diagnostic]:
    for h in model.headers:
        if not HEADER_NAME.match(h.name):
            yield src.diag(("headers", h.name), "header-name",
                           f"header '{h.name}' must be a lowercase HTTP token (RFC 9110)", key=True)


@rule("header-format", "A header's format has what it needs (enum/hashed-id tag, literal value).")
def _header_format(model: Model, src: Source) -> Iterator[Diagnostic]:
    for h in model.headers:
        path = ("headers", h.name)
        if h.format == "literal" and h.value is None:
            yield src.diag(path, "header-format", f"literal header '{h.name}' needs `value:`", key=True)
        if h.format in ("enum", "hashed-id") and h.tag is None:
            yield src.diag(path, "header-format", f"{h.format} header '{h.name}' needs `tag:`", key=True)
        if h.format == "enum" and h.tag is not None and h.tag.kind != "enum":
            yield src.diag(path + ("tag",), "header-format", f"enum header '{h.name}' needs an enum tag")
        if h.format == "hashed-id" and h.tag is not None and h.tag.kind != "hashed_id":
            yield src.diag(path + ("tag",), "header-format", f"hashed-id header '{h.name}' needs a hashed_id tag")
        if h.format == "literal" and h.value is not None and len(h.value.encode()) > h.max_bytes:
            yield src.diag(path, "header-format", f"'{h.name}' value is longer than its max_bytes", key=True)


@rule("header-identity-hashed", "Headers that carry an identity are declared identity and use the hashed-id format.")
def _header_identity(model: Model, src: Source) -> Iterator[Diagnostic]:
    for h in model.headers:
        path = ("headers", h.name)
        if h.identity and h.format != "hashed-id":
            yield src.diag(path + ("format",), "header-identity-hashed",
                           f"identity header '{h.name}' must use format hashed-id, never a raw id")
        elif not h.identity and not h.secret and IDENTITY_HINT.search(h.name):
            yield src.diag(path, "header-identity-hashed",
                           f"'{h.name}' looks like an identity: mark it `identity: true` with format hashed-id", key=True)
        if h.format == "hashed-id" and not h.identity:
            yield src.diag(path, "header-identity-hashed", f"hashed-id header '{h.name}' must set identity: true", key=True)


@rule("header-secret-hop", "Secret and identity headers never cross an external hop (e.g. to a provider).")
def _secret_hop(model: Model, src: Source) -> Iterator[Diagnostic]:
    external = {h.name for h in model.hops if h.external}
    for h in model.headers:
        if not (h.secret or h.identity):
            continue
        what = "secret" if h.secret else "identity"
        for i, hop in enumerate(h.hops):
            if hop in external:
                yield src.diag(("headers", h.name, "hops", i), "header-secret-hop",
                               f"{what} header '{h.name}' must not be propagated over external hop '{hop}'")
    for h in model.headers:
        if not h.secret and CREDENTIAL_HINT.search(h.name):
            yield src.diag(("headers", h.name), "header-secret-hop",
                           f"'{h.name}' carries a credential: mark it secret: true", key=True)


# Header names that carry credentials: they must be declared secret (and so never cross an external hop).
CREDENTIAL_HINT = re.compile(r"authorization|cookie|api-?key|token|secret|password|passwd|credential|signature", re.I)


# --- logs ---------------------------------------------------------------------------

# Words that mean raw content, personal data or a credential, anywhere in a field name
# (`promptText`, `userEmail`, `rawTranscript`) ...
RAW_CONTENT_WORDS = frozenset((
    "text", "transcript", "audio", "prompt", "completion", "content", "body", "email", "phone", "password",
    "ip", "address", "authorization", "cookie", "jwt", "secret", "ssn",
))
# ... unless the name ends in a word that makes it a measure or a hash (`promptTokens`, `audioMs`, `emailHash`).
MEASURE_WORDS = frozenset(("length", "len", "size", "bytes", "chars", "count", "tokens", "ms", "seconds", "hash",
                           "type", "kind", "version", "format", "language", "lang"))
# Identifiers of people or their sessions, raw unless the field is a hashed_id (`userId`, `clerkUserId`).
IDENTITY_WORDS = frozenset(("user", "session", "focus", "account", "customer", "person", "member"))
# Whole names that are personal data on their own.
RAW_NAMES = frozenset(("name", "fullname", "firstname", "lastname", "username"))


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def raw_content_reason(name: str, forbidden: Iterable[str] = ()) -> str | None:
    """Why a log field called `name` would carry raw personal data or content (None if it would not)."""
    words = [w for w in re.split(r"_|(?<=[a-z0-9])(?=[A-Z])", name) if w]
    lower = [w.lower() for w in words]
    if _norm(name) in {_norm(f) for f in forbidden} or _norm(name) in RAW_NAMES:
        return "its name is on the forbidden list"
    if lower and lower[-1] in MEASURE_WORDS:
        return None
    hit = next((w for w in lower if w in RAW_CONTENT_WORDS or w in {_norm(f) for f in forbidden}), None)
    if hit:
        return f"'{hit}' means raw content or personal data"
    if len(lower) >= 2 and lower[-1] == "id" and any(w in IDENTITY_WORDS for w in lower[:-1]):
        return "it is a raw identifier of a person or session"
    return None


@rule("log-field-raw-content", "Log fields whose names mean raw PII, raw content or secrets are rejected.")
def _raw_content(model: Model, src: Source) -> Iterator[Diagnostic]:
    forbidden = tuple(model.project.forbidden_log_fields) + tuple(h.name for h in model.headers if h.secret)
    for path, f in _log_fields(model):
        if f.type == "hashed_id":
            continue
        why = raw_content_reason(f.name, forbidden)
        if why:
            yield src.diag(path, "log-field-raw-content",
                           f"log field '{f.name}' would carry raw personal data or content ({why}); "
                           "log a hash, size or count instead", key=True)


@rule("log-string-unbounded", "Free-text log fields need max_length or a pattern, so they cannot carry raw content.")
def _string_unbounded(model: Model, src: Source) -> Iterator[Diagnostic]:
    for path, f in _log_fields(model):
        if f.type == "string" and f.max_length is None and f.pattern is None:
            yield src.diag(path, "log-string-unbounded",
                           f"string field '{f.name}' needs `max_length:` or `pattern:` (or an enum or tag)", key=True)


@rule("log-field-hashed", "Identifier fields in logs are hashed ids (tag of type hashed_id).")
def _log_hashed(model: Model, src: Source) -> Iterator[Diagnostic]:
    for path, f in _log_fields(model):
        if f.name.endswith("Hash") and f.type != "hashed_id":
            yield src.diag(path, "log-field-hashed",
                           f"'{f.name}' must reference a hashed_id tag (`tag: ...`)", key=True)


@rule("log-request-id", "Every log event carries a required requestId in the envelope.")
def _request_id(model: Model, src: Source) -> Iterator[Diagnostic]:
    if model.logs.events and not any(f.name == "requestId" and f.required for f in model.logs.envelope):
        yield src.diag(("logs", "envelope"), "log-request-id", "the log envelope needs a required `requestId` field",
                       key=True)


@rule("log-discriminator-unique", "Each event kind of a service is reachable: no two share a discriminator value.")
def _discriminator_unique(model: Model, src: Source) -> Iterator[Diagnostic]:
    for svc in model.services:
        claimed: dict[tuple[str, str | None], str] = {}
        for e in model.logs.events_for(svc.name):
            f = e.discriminator_field
            if f is None:
                continue
            for value in f.values or (None,):
                key = (e.discriminator, value)
                if key in claimed:
                    what = f"value '{value}' of '{e.discriminator}'" if value is not None else f"field '{e.discriminator}'"
                    yield src.diag(("logs", "events", e.key, "discriminator"), "log-discriminator-unique",
                                   f"{what} already selects event '{claimed[key]}', so '{e.key}' could never match")
                    break
                claimed[key] = e.key


@rule("log-field-shadow", "An event field does not redefine an envelope field.")
def _shadow(model: Model, src: Source) -> Iterator[Diagnostic]:
    envelope = {f.name for f in model.logs.envelope}
    for e in model.logs.events:
        for f in e.fields:
            if f.name in envelope:
                yield src.diag(("logs", "events", e.key, "fields", f.name), "log-field-shadow",
                               f"'{f.name}' is already in the envelope", key=True)


def _log_fields(model: Model) -> Iterator[tuple[tuple[str, ...], LogField]]:
    for f in model.logs.envelope:
        yield ("logs", "envelope", f.name), f
    for o in model.logs.objects:
        for f in o.fields:
            yield ("logs", "objects", o.name, "fields", f.name), f
    for e in model.logs.events:
        for f in e.fields:
            yield ("logs", "events", e.key, "fields", f.name), f


# --- SLOs and alerts ------------------------------------------------------------------

@rule("slo-metric-types", "Ratio SLOs use counters; latency SLOs a histogram with the threshold as a bucket bound.")
def _slo_types(model: Model, src: Source) -> Iterator[Diagnostic]:
    for s in model.slos:
        path = ("slos", s.name)
        for role, m in (("errors", s.errors), ("total", s.total)):
            if m is not None and m.type != "counter":
                yield src.diag(path + ("ratio", role), "slo-metric-types", f"'{m.key}' must be a counter, not a {m.type}")
        m = s.latency_metric
        if m is not None:
            if m.type != "histogram":
                yield src.diag(path + ("latency", "metric"), "slo-metric-types", f"'{m.key}' must be a histogram")
            elif s.threshold not in m.buckets:
                yield src.diag(path + ("latency", "threshold"), "slo-metric-types",
                               f"threshold {s.threshold:g} is not a bucket bound of '{m.key}' "
                               f"({', '.join(f'{b:g}' for b in m.buckets)})")
        for env, v in s.objective.values:
            if not 0 < v < 100:
                yield src.diag(path + ("objective", env), "slo-metric-types",
                               f"objective for {env} must be a percentage between 0 and 100, got {v:g}")
        yield from _labels_exist(src, _filter_paths(path + ("filter",), s.filter), s.metrics)


@rule("alert-metric-types", "Quantile alerts read histograms, ratio alerts counters, cost alerts a counter and a gauge.")
def _alert_types(model: Model, src: Source) -> Iterator[Diagnostic]:
    for a in model.alerts:
        path = ("alerts", a.name)
        wanted = [
            (a.kind, "metric", a.metric, "histogram"),
            (a.kind, "numerator", a.numerator, "counter"),
            (a.kind, "denominator", a.denominator, "counter"),
            (a.kind, "cost", a.cost, "counter"),
            (a.kind, "users", a.users, "gauge"),
        ]
        for kind, role, m, want in wanted:
            if m is not None and m.type != want:
                yield src.diag(path + (kind, role), "alert-metric-types", f"'{m.key}' must be a {want}, not a {m.type}")
        # q outside (0, 1) is a schema error (spec-schema), reported by the loader.
        used = _filter_paths(path + (a.kind, "filter"), a.filter) + _by_paths(src, path + (a.kind, "by"), a.by)
        yield from _labels_exist(src, used, a.metrics if a.kind != "cost_per_user" else ())
        if a.numerator is not None:
            only_numerator = _filter_paths(path + (a.kind, "numerator_filter"), a.numerator_filter)
            yield from _labels_exist(src, only_numerator, (a.numerator,))


@rule("alert-threshold-bucket", "A quantile alert's threshold lies below its histogram's largest bucket, or it can never fire.")
def _threshold_bucket(model: Model, src: Source) -> Iterator[Diagnostic]:
    for a in model.alerts:
        if a.kind != "quantile" or a.metric is None or not a.metric.buckets:
            continue
        top = max(a.metric.buckets)
        for env, value in a.threshold.values:
            if value >= top:
                yield src.diag(("alerts", a.name, "above"), "alert-threshold-bucket",
                               f"threshold {value:g} for {env} is not below the largest bucket of '{a.metric.key}' "
                               f"({top:g}): histogram_quantile never exceeds it, so the alert could never fire")
                break


@rule("slo-period", "An SLO period holds its longest burn-rate window (3d) and is at most 400 days.")
def _slo_period(model: Model, src: Source) -> Iterator[Diagnostic]:
    longest = max(naming.duration_seconds(w) for w in naming.SLO_WINDOWS)
    for s in model.slos:
        try:
            seconds = naming.duration_seconds(s.period)
        except ValueError:
            continue  # the schema reports a malformed duration
        if seconds < longest:
            yield src.diag(("slos", s.name, "period"), "slo-period",
                           f"period {s.period} is shorter than the 3d burn-rate window; use at least 3d (28d is usual)")
        elif seconds > MAX_SLO_PERIOD_DAYS * 86400:
            yield src.diag(("slos", s.name, "period"), "slo-period",
                           f"period {s.period} is longer than {MAX_SLO_PERIOD_DAYS} days; Prometheus keeps no data that old")


MAX_SLO_PERIOD_DAYS = 400


@rule("dashboard-uid-collision", "Each service's dashboard uid (and the SLO overview's) is unique.")
def _uid_collision(model: Model, src: Source) -> Iterator[Diagnostic]:
    seen = {model.slo_overview_uid: "the SLO overview"}
    for svc in model.services:
        other = seen.get(svc.dashboard_uid)
        if other is not None:
            yield src.diag(("services", svc.name), "dashboard-uid-collision",
                           f"service '{svc.name}' gets dashboard uid '{svc.dashboard_uid}', already used by {other}",
                           key=True)
        seen[svc.dashboard_uid] = f"service '{svc.name}'"


@rule("spec-number-finite", "Numbers in the spec are finite (no .nan or .inf) and at most 2^53.")
def _finite(model: Model, src: Source) -> Iterator[Diagnostic]:
    def walk(node: object, path: tuple[object, ...]) -> Iterator[Diagnostic]:
        if isinstance(node, float) and not math.isfinite(node):
            yield src.diag(path, "spec-number-finite", f"{node} is not a usable number here")
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > 2**53:
            yield src.diag(path, "spec-number-finite", "integer is too large to be represented exactly (over 2^53)")
        elif isinstance(node, dict):
            for k, v in node.items():
                yield from walk(v, path + (k,))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from walk(v, path + (i,))

    yield from walk(src.data, ())


@rule("alert-name", "Alert names are CamelCase, at most 40 characters, and unique with the SLOs' generated alerts.")
def _alert_name(model: Model, src: Source) -> Iterator[Diagnostic]:
    from .backends.prometheus import slo_alert_names

    taken: dict[str, str] = {}
    for s in model.slos:
        for generated in slo_alert_names(s).values():
            if generated in taken:
                yield src.diag(("slos", s.name), "alert-name",
                               f"SLO '{s.name}' generates alert '{generated}', as {taken[generated]} does; rename one",
                               key=True)
            taken.setdefault(generated, f"SLO '{s.name}'")
    for a in model.alerts:
        if len(a.name) > 40:
            yield src.diag(("alerts", a.name), "alert-name", f"alert name '{a.name}' is over 40 characters", key=True)
        if a.name in taken:
            yield src.diag(("alerts", a.name), "alert-name",
                           f"alert '{a.name}' has the name of an alert generated for {taken[a.name]}", key=True)


TagAt = tuple[Tag, tuple[Any, ...], bool]  # a tag used by a query, the path naming it, and whether that is a key


def _filter_paths(path: tuple[Any, ...], flt: Iterable[tuple[Tag, str]]) -> list[TagAt]:
    return [(t, path + (t.name,), True) for t, _ in flt]


def _by_paths(src: Source, path: tuple[Any, ...], by: Iterable[Tag]) -> list[TagAt]:
    raw = _raw(src, *path)
    sets = src.data.get("tag_sets", {}) if isinstance(src.data, dict) else {}
    return [(t, path + (_index_of(raw, t.name, sets),), False) for t in by]


def _labels_exist(src: Source, used: list[TagAt], metrics: Iterable[Metric]) -> Iterator[Diagnostic]:
    for m in metrics:
        for t, path, key in used:
            if t not in m.tags:
                yield src.diag(path, "ref-unknown-label", f"'{m.key}' has no label '{t.label}' (tag '{t.name}')",
                               key=key)


_stage("ref-unknown-label", "A filter or `by` uses a tag that is not a label of the metric.")


# --- generated code -----------------------------------------------------------------------

@rule("codegen-identifier-collision",
      "Two spec names derive the same identifier in the generated TypeScript or Python code.")
def _codegen_names(model: Model, src: Source) -> Iterator[Diagnostic]:
    """Derive the code backends' identifiers and portable patterns; any CodegenError is a finding.

    The backends raise the same errors at render time; checking here turns them into
    diagnostics with positions before anything is rendered.
    """
    from .backends import python_pkg, typescript
    from .identifiers import CodegenError

    seen: set[tuple[str, object]] = set()
    for backend in (typescript, python_pkg):
        try:
            backend.code_view(model)
        except CodegenError as exc:
            if (exc.rule, exc.pos) in seen:  # the same defect seen by the other language
                continue
            seen.add((exc.rule, exc.pos))
            pos = exc.pos
            yield Diagnostic(pos.file if pos else src.path, pos.line if pos else 1, pos.column if pos else 1,
                             exc.rule, "error", exc.message)


_stage("codegen-identifier-invalid", "A spec name does not derive a valid identifier in generated code.")
_stage("codegen-identifier-reserved", "A spec name derives a reserved word of TypeScript or Python.")
_stage("codegen-pattern-portability", "A value pattern means different things in JavaScript and Python regexes.")


# --- helpers ----------------------------------------------------------------------------

def _raw(src: Source, *path: Any) -> list[Any]:
    node = src.data
    for p in path:
        node = node.get(p) if isinstance(node, dict) else None
    return node if isinstance(node, list) else []


def _index_of(raw: list[Any], tag: str, sets: dict[str, list[str]]) -> int:
    """Index of `tag` in a raw tag list, directly or through a tag set (positions stay those of the file)."""
    for i, name in enumerate(raw):
        if name == tag or (isinstance(name, str) and isinstance(sets.get(name), list) and tag in sets[name]):
            return i
    return 0


def _valid_regex(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


def run_rules(model: Model, src: Source) -> list[Diagnostic]:
    """Run every registered check; a finding's severity is the rule's unless the check set one."""
    out: list[Diagnostic] = []
    for r in RULES.values():
        if r.check is not None:
            out.extend(r.check(model, src))
    return out
