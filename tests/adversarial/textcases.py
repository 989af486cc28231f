"""The hand-written cases: boundary numbers, missing sections, YAML-level hostility and large specs.

NUM_EDITS and STRUCT_EDITS edit BASE as data (id -> (note, edit)); YAML_CASES and SIZE_CASES
build the file's bytes directly (id -> (note, make)), for what plain data cannot express:
tags, aliases, duplicate keys, encodings, byte-level damage and sheer size.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from .base import BASE_YAML, base_data, put

Edit = Callable[[dict[str, Any]], Any]


def _set(path: tuple[Any, ...], value: Any) -> Edit:
    return lambda d: put(d, path, value)


def _drop(*paths: tuple[Any, ...]) -> Edit:
    def edit(d: dict[str, Any]) -> None:
        for path in paths:
            parent: Any = d
            for part in path[:-1]:
                parent = parent[part]
            del parent[path[-1]]

    return edit


SLO = ("slos", "api-availability")
AVAIL = ("slos", "api-availability")
ALERT = ("alerts", "ApiLatencyHigh")
COST = ("alerts", "FeePerUserOverBudget", "cost_per_user")

NUM_EDITS: dict[str, tuple[str, Edit]] = {}
for _v in (0, 100, 99.99999, 100.0001, -1, 50, 1e-9):
    NUM_EDITS[f"num-objective-{_v}"] = (f"{'.'.join(SLO)}.objective: {_v}", _set(SLO + ("objective",), _v))
NUM_EDITS["num-objective-env-100"] = ("slos.api-availability.objective.prod: 100", _set(AVAIL + ("objective", "prod"), 100))
for _v in ("0s", "0m", "1ms", "59s", "1w", "10000d"):
    NUM_EDITS[f"num-for-{_v}"] = (f"alerts.ApiLatencyHigh.for: {_v}", _set(ALERT + ("for",), _v))
NUM_EDITS["num-for-10000d-slo-alert"] = ("alerts.FeePerUserOverBudget.for: 10000d",
                                          _set(("alerts", "FeePerUserOverBudget", "for"), "10000d"))
for _v in ("1d", "3d", "400d", "401d", "10000d", "1w", "720h"):
    NUM_EDITS[f"num-period-{_v}"] = (f"slos.api-availability.period: {_v}", _set(AVAIL + ("period",), _v))
for _v in ("0s", "1ms", "10000d"):
    NUM_EDITS[f"num-average-over-{_v}"] = (f"average_over: {_v}", _set(COST + ("average_over",), _v))
for _v in (1e-9, 0.999999999, 0.5):
    NUM_EDITS[f"num-q-{_v}"] = (f"quantile q: {_v}", _set(ALERT + ("quantile", "q"), _v))
for _v in (0, -1, 1e308, 1e-308, 2**53, 2**53 + 1, 0.1 + 0.2):
    NUM_EDITS[f"num-above-{_v}"] = (f"alerts.VendorErrorRateHigh.above.prod: {_v}",
                                    _set(("alerts", "VendorErrorRateHigh", "above", "prod"), _v))
NUM_EDITS["num-above-latency-1e308"] = ("alerts.ApiLatencyHigh.above: 1e308", _set(ALERT + ("above",), 1e308))
_BUCKETS = {"zero": [0], "negative": [-1, 0, 250], "huge": [250, 1e308], "float-noise": [0.1, 0.2, 0.30000000000000004, 250],
            "many": list(range(1, 201)) + [250], "descending": [1000, 500, 250, 100, 50], "tiny": [1e-300, 250]}
for _k, _v in _BUCKETS.items():
    NUM_EDITS[f"num-buckets-{_k}"] = (f"bucket_sets.latency: {_v[:6]}...", _set(("bucket_sets", "latency"), _v))
LATENCY_SLO = {"service": "api", "description": "Requests served within 250 ms.", "period": "7d", "objective": 99,
               "latency": {"metric": "api.request.latency_ms", "threshold": 250}}


def _latency_slo(threshold: float = 250) -> Edit:
    return lambda d: d["slos"].update({"api-latency": {**LATENCY_SLO, "latency": {**LATENCY_SLO["latency"],
                                                                                   "threshold": threshold}}})


for _k, _v in {"not-a-bucket": 249, "largest": 1000, "smallest": 50, "zero": 0}.items():
    NUM_EDITS[f"num-threshold-{_k}"] = (f"a latency SLO with threshold {_v}", _latency_slo(_v))
for _v in (16, 64, 15, 65):
    NUM_EDITS[f"num-hex-chars-{_v}"] = (f"hashing.hex_chars: {_v}", _set(("hashing", "hex_chars"), _v))
for _v in (1, 2**53):
    NUM_EDITS[f"num-max-bytes-{_v}"] = (f"headers.x-plan.max_bytes: {_v}", _set(("headers", "x-plan", "max_bytes"), _v))
    NUM_EDITS[f"num-series-budget-{_v}"] = (f"project.series_budget: {_v}", _set(("project", "series_budget"), _v))
    NUM_EDITS[f"num-max-length-{_v}"] = (f"error.code max_length: {_v}",
                                         _set(("logs", "objects", "error", "fields", "code", "max_length"), _v))
_STATUS = ("logs", "events", "api.request", "fields", "status")
NUM_EDITS["num-min-above-max"] = ("status min 600 > max 599", _set(_STATUS + ("min",), 600))
NUM_EDITS["num-min-equals-max"] = ("status min = max = 599", _set(_STATUS + ("min",), 599))
NUM_EDITS["num-min-huge"] = ("status min 1e308, max dropped", lambda d: (put(d, _STATUS + ("min",), 1e308),
                                                                     d["logs"]["events"]["api.request"]["fields"]["status"].pop("max")))
for _v in (0, 0.0001, 1e9):
    NUM_EDITS[f"num-min-requests-{_v}"] = (f"min_requests_per_hour: {_v}", _set(SLO + ("min_requests_per_hour",), _v))
for _v in (1, 100000):
    NUM_EDITS[f"num-salt-rotation-{_v}"] = (f"salt_rotation_days: {_v}", _set(("hashing", "salt_rotation_days"), _v))
_EMPTY_LISTS = {"environments": ("project", "environments"), "enum-values": ("tags", "route", "values"),
                "buckets": ("bucket_sets", "latency"), "metric-tags": ("metrics", "api.request.count", "tags"),
                "header-hops": ("headers", "x-request-id", "hops"), "forbidden-fields": ("redaction", "forbidden_fields"),
                "tag-set": ("tag_sets", "http"), "by": ALERT + ("quantile", "by"), "field-values": _STATUS[:-1] + ("cache", "values")}
for _k, _p in _EMPTY_LISTS.items():
    NUM_EDITS[f"num-empty-list-{_k}"] = (f"{'.'.join(_p)}: []", _set(_p, []))
for _k in ("services", "metrics", "hops", "headers", "tags", "slos", "alerts", "budgets"):
    NUM_EDITS[f"num-empty-map-{_k}"] = (f"{_k}: {{}}", _set((_k,), {}))
NUM_EDITS["num-empty-map-events"] = ("logs.events: {}", _set(("logs", "events"), {}))
NUM_EDITS["num-empty-map-filter"] = ("slos.api-availability.filter: {}", _set(AVAIL + ("filter",), {}))


def _only_required(d: dict[str, Any]) -> None:
    keep = {"version": 1, "project": {k: d["project"][k] for k in ("name", "metric_prefix", "environments")},
            "services": {"api": {"description": "The HTTP API."}}}
    d.clear()
    d.update(keep)


def _drop_hops(d: dict[str, Any]) -> None:
    del d["hops"]
    for header in d["headers"].values():
        header["hops"] = []


STRUCT_EDITS: dict[str, tuple[str, Edit]] = {
    "struct-latency-slo": ("a second SLO: latency, on the histogram", _latency_slo()),
    "struct-only-required": ("version, project (name, prefix, environments) and one service", _only_required),
    "struct-no-hops": ("no hops; every header's hops: []", _drop_hops),
    "struct-no-headers": ("no headers", _drop(("headers",))),
    "struct-no-logs": ("no logs", _drop(("logs",))),
    "struct-no-slos": ("no SLOs", _drop(("slos",))),
    "struct-no-alerts": ("no alerts", _drop(("alerts",))),
    "struct-no-slos-alerts": ("neither SLOs nor alerts", _drop(("slos",), ("alerts",))),
    "struct-no-packages": ("no project.packages", _drop(("project", "packages"))),
    "struct-no-links-dashboards": ("no project.links or project.dashboards", _drop(("project", "links"), ("project", "dashboards"))),
    "struct-no-hashing-policy-redaction": ("no hashing, header_policy or redaction",
                                           _drop(("hashing",), ("header_policy",), ("redaction",))),
    "struct-no-sse-headers": ("no SSE header", _drop(("headers", "accept"))),
    "struct-no-objects": ("no log objects (and no field using one)",
                          _drop(("logs", "objects"), ("logs", "events", "api.request", "fields", "error"))),
    "struct-no-titles": ("no project or service titles", _drop(("project", "title"), ("services", "api", "title"),
                                                              ("services", "vendor", "title"))),
}

# --- YAML- and byte-level cases ----------------------------------------------------------------

BASE = BASE_YAML
DESC = "  description: A tiny web shop.\n"
SERVICES = "services:\n"


def _sub(old: str, new: str, count: int = 1) -> Callable[[], bytes]:
    assert old in BASE, old
    return lambda: BASE.replace(old, new, count).encode("utf-8")


def _desc(value: str) -> Callable[[], bytes]:
    return _sub(DESC, f"  description: {value}\n")


def _bomb() -> bytes:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        lines.append(f"{chr(ord('a') + i)}: &{chr(ord('a') + i)} [{','.join(['*' + prev] * 9)}]")
    return (BASE + "x_bomb:\n" + "".join(f"  {line}\n" for line in lines)).encode()


def _raw(description: bytes) -> Callable[[], bytes]:
    """BASE with the project description replaced by raw bytes (not necessarily UTF-8)."""
    return lambda: BASE.encode().replace(b"A tiny web shop.", description)


def _encoded(codec: str, bom: bytes = b"") -> Callable[[], bytes]:
    return lambda: bom + BASE.encode(codec)


def _multi_doc() -> bytes:
    return (BASE + "---\n" + BASE).encode()


def _flow() -> bytes:
    return yaml.safe_dump(base_data(), default_flow_style=True, width=10**9, sort_keys=False).encode()


def _json() -> bytes:
    import json

    return json.dumps(base_data(), indent=1).encode()


def _deep(opener: str, closer: str, n: int) -> Callable[[], bytes]:
    return _desc(opener * n + "x" + closer * n)


def _aliases(n: int) -> bytes:
    text = BASE.replace("  description: A tiny web shop.\n", "  description: &d A tiny web shop.\n")
    extra = "".join("  - *d\n" for _ in range(n))
    return (text + "x_aliases:\n" + extra).encode()


YAML_CASES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "yaml-python-object": ("a !!python/object/apply tag that would run a command under an unsafe loader",
                           _desc('!!python/object/apply:os.system ["touch PWNED-yaml-python-object"]')),
    "yaml-python-name": ("a !!python/name tag", _desc("!!python/name:os.system")),
    "yaml-binary": ("a !!binary description", _desc("!!binary aGVsbG8=")),
    "yaml-set": ("a !!set of enum values",
                 _sub('values: ["GET /items", "POST /orders"]', 'values: !!set {"GET /items", "POST /orders"}')),
    "yaml-omap": ("a !!omap where a mapping is expected", _sub("  http: [env, route]\n", "  http: !!omap [{env: 1}, {route: 2}]\n")),
    "yaml-timestamp": ("a description that YAML reads as a timestamp", _desc("2024-01-01T00:00:00Z")),
    "yaml-custom-tag": ("an unknown local tag", _desc("!evil bar")),
    "yaml-bad-int-tag": ("!!int on a non-number", _sub("series_budget: 1000", "series_budget: !!int abc")),
    "yaml-str-tag-number": ("!!str on a number where a number is expected", _sub("series_budget: 1000", "series_budget: !!str 1000")),
    "yaml-float-tag-string": ("!!float on a string field", _desc("!!float 1.5")),
    "yaml-anchor-alias": ("an anchored description reused by alias (legal)",
                          _sub("  description: A tiny web shop.\n  metric_prefix: shop\n",
                               "  description: &d A tiny web shop.\n  metric_prefix: shop\n", 1)),
    "yaml-alias-mapping": ("a second SLO that is an alias of the first SLO's mapping",
                           lambda: (BASE.replace("  api-availability:\n", "  api-availability: &slo\n")
                                    .replace("alerts:\n", "  api-availability-copy: *slo\nalerts:\n")).encode()),
    "yaml-bomb": ("billion laughs: nine levels of nine aliases", _bomb),
    "yaml-self-alias": ("an alias inside its own anchor", lambda: (BASE + "x_self: &s [*s]\n").encode()),
    "yaml-aliases-100": ("100 aliases (at the limit) under an unknown key", lambda: _aliases(100)),
    "yaml-aliases-101": ("101 aliases (over the limit)", lambda: _aliases(101)),
    "yaml-dup-top": ("a duplicate top-level key", lambda: (BASE + "alerts: {}\n").encode()),
    "yaml-dup-nested": ("a duplicate metric key", _sub("  api.request.errors:", "  api.request.count: {type: gauge, unit: requests, "
                                                                               "description: Dup.}\n  api.request.errors:")),
    "yaml-dup-null-keys": ("two null keys", _sub(SERVICES, SERVICES + "  ~: {description: a}\n  null: {description: b}\n")),
    "yaml-merge": ("a YAML merge key", _sub("  vendor: {title: Vendor, description: Payment vendor rollups.}\n",
                                            "  vendor: {<<: {title: Vendor}, description: Payment vendor rollups.}\n")),
    "yaml-deep-list": ("a description nested 10000 flow lists deep", _deep("[", "]", 10000)),
    "yaml-deep-map": ("a description nested 100 flow mappings deep", _deep("{a: ", "}", 100)),
    "yaml-bom-utf8": ("UTF-8 with a byte order mark (legal)", lambda: b"\xef\xbb\xbf" + BASE.encode()),
    "yaml-utf16le": ("UTF-16 LE with a BOM", _encoded("utf-16-le", b"\xff\xfe")),
    "yaml-utf16be": ("UTF-16 BE with a BOM", _encoded("utf-16-be", b"\xfe\xff")),
    "yaml-utf16-nobom": ("UTF-16 LE without a BOM", _encoded("utf-16-le")),
    "yaml-utf32": ("UTF-32 with a BOM", _encoded("utf-32")),
    "yaml-invalid-utf8": ("a 0xff byte in a description", _raw(b"A tiny \xff shop.")),
    "yaml-overlong-utf8": ("an overlong UTF-8 encoding of '/'", _raw(b"A \xc0\xaf shop.")),
    "yaml-utf8-surrogate": ("a UTF-8 encoded surrogate (CESU)", _raw(b"A \xed\xa0\xbd shop.")),
    "yaml-raw-nul": ("a raw NUL byte in a description", _raw(b"A \x00 shop.")),
    "yaml-raw-escape": ("a raw ESC byte in a plain scalar", _raw(b"A \x1b[2J shop.")),
    "yaml-raw-u2028": ("a raw U+2028 in a plain scalar", lambda: BASE.replace("A tiny web shop.", "A \u2028 shop.").encode()),
    "yaml-raw-nel": ("a raw U+0085 (a YAML line break) in a plain scalar",
                     lambda: BASE.replace("A tiny web shop.", "A \x85 shop.").encode()),
    "yaml-crlf": ("CRLF line endings (legal)", lambda: BASE.replace("\n", "\r\n").encode()),
    "yaml-cr": ("CR-only line endings", lambda: BASE.replace("\n", "\r").encode()),
    "yaml-tabs": ("a tab used for indentation", _sub("  title: Shop\n", "\ttitle: Shop\n")),
    "yaml-multi-doc": ("two YAML documents", _multi_doc),
    "yaml-empty": ("an empty file", lambda: b""),
    "yaml-comments-only": ("only a comment", lambda: b"# nothing here\n"),
    "yaml-scalar": ("a scalar document", lambda: b"42\n"),
    "yaml-list": ("a list document", lambda: b"- version\n- 1\n"),
    "yaml-null": ("a null document", lambda: b"~\n"),
    "yaml-complex-key": ("a flow sequence as a mapping key", _sub(SERVICES, SERVICES + "  ? [a, b]\n  : {description: x}\n")),
    "yaml-int-key": ("an integer service name", _sub(SERVICES, SERVICES + "  1: {description: x}\n")),
    "yaml-bool-key": ("`on:` (a YAML 1.1 boolean) as a service name", _sub(SERVICES, SERVICES + "  on: {description: x}\n")),
    "yaml-norway": ("an environment named `no` (a YAML 1.1 boolean)", _sub("environments: [prod, dev]", "environments: [prod, no]")),
    "yaml-octal": ("a leading-zero number", _sub("series_budget: 1000", "series_budget: 0o1750")),
    "yaml-directive-yaml11": ("a %YAML 1.1 directive", lambda: ("%YAML 1.1\n---\n" + BASE).encode()),
    "yaml-directive-tag": ("a %TAG directive that renames !!", lambda: ("%TAG !! tag:evil.example,2000:\n---\n" + BASE).encode()),
    "yaml-key-newline": ("a quoted service name with a newline", _sub(SERVICES, SERVICES + '  "api\\n": {description: x}\n')),
    "yaml-json": ("the spec as JSON (legal YAML)", _json),
    "yaml-flow": ("the whole spec in flow style on one line (legal)", _flow),
    "yaml-long-line": ("a 1 MB single-line description", _desc("x" * 1_000_000)),
    "yaml-too-large": ("a file one byte over 2 MiB", lambda: BASE.encode() + b"#" * (2 * 1024 * 1024 - len(BASE.encode()) + 1)),
    "yaml-unicode-raw": ("raw non-ASCII text and emoji in descriptions (legal)", _desc("Caf\u00e9 \U0001f6d2 \u65e5\u672c")),
}

# --- large but legal specs ------------------------------------------------------------------


def _big_description() -> bytes:
    return BASE.replace("A tiny web shop.", "x" * 1_900_000).encode()


def _big_enum() -> bytes:
    values = ", ".join(f'"v{i}"' for i in range(50_000))
    text = BASE.replace("series_budget: 1000", "series_budget: 1000000")
    return text.replace('values: ["GET /items", "POST /orders"]', f'values: ["GET /items", "POST /orders", {values}]').encode()


def _many_metrics() -> bytes:
    extra = "".join(f"  api.extra.m{i}: {{type: counter, unit: requests, tags: [env], description: M.}}\n" for i in range(6000))
    return BASE.replace("metrics:\n", "metrics:\n" + extra).encode()


def _many_tags() -> bytes:
    extra = "".join(f"  t{i}: {{type: enum, values: [a], description: T.}}\n" for i in range(20_000))
    return BASE.replace("tags:\n", "tags:\n" + extra).encode()


def _many_headers() -> bytes:
    extra = "".join(f"  x-h{i}: {{group: provider, description: H., format: token, tag: plan, hops: [client-api]}}\n"
                    for i in range(3000))
    return BASE.replace("headers:\n", "headers:\n" + extra).encode()


SIZE_CASES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "size-description-1.9mb": ("a 1.9 MB project description", _big_description),
    "size-enum-50k": ("an enum tag with 50 000 values in one flow list (used by metrics; series budget raised)", _big_enum),
    "size-metrics-6k": ("6000 metrics", _many_metrics),
    "size-tags-20k": ("20 000 unused enum tags", _many_tags),
    "size-headers-3k": ("3000 headers", _many_headers),
}
