"""The one valid spec every hostile case starts from, and the map of its string fields.

BASE uses each feature of the spec language once (every section, every kind of tag,
header, log field, SLO and alert), so a mutation of any field reaches every backend
that reads it. It is small on purpose: promtool tests dominate the suite's run time (an
SLO's take seconds), so BASE has one SLO (a ratio SLO; `struct-latency-slo` adds a latency SLO),
on service `api`, and its alerts sit on service `vendor`, so that a mutation of the SLO or of an
alert re-runs only the tests that load the rules file it changed. The control case `base` proves
it lint-clean and accepted by every consumer.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import yaml

BASE_YAML = """\
version: 1
project:
  name: shop
  title: Shop
  description: A tiny web shop.
  metric_prefix: shop
  environments: [prod, dev]
  packages: {python: shop_obs, typescript: "@shop/obs"}
  dashboards: {folder: Shop}
  links: {catalog: "https://example.com/obs.md", grafana: "https://grafana.example.com"}
  series_budget: 1000
hashing: {algorithm: hmac-sha256, hex_chars: 32, salt_env: SHOP_HASH_SALT, salt_rotation_days: 90}
hops:
  client-api: {description: Browser to API., from: browser, to: api}
  api-vendor: {description: API to the payment vendor., from: api, to: vendor, external: true}
services:
  api: {title: API, description: The HTTP API.}
  vendor: {title: Vendor, description: Payment vendor rollups.}
tags:
  env: {type: environment, description: Environment.}
  vendor: {type: enum, label: vendor_name, values: [stripe, adyen], description: Payment vendor.}
  route: {type: enum, values: ["GET /items", "POST /orders"], description: Route id.}
  plan: {type: string, pattern: "^[a-z]{1,12}$", max_values: 5, description: Pricing plan.}
  userIdHash: {type: hashed_id, prefix: "u:", opaque_pattern: "^anon-[0-9a-f]{8}$", description: Hashed user id.}
tag_sets:
  http: [env, route]
bucket_sets:
  latency: [50, 100, 250, 500, 1000]
metrics:
  api.request.count: {type: counter, unit: requests, tags: [http], description: Requests.}
  api.request.errors: {type: counter, unit: requests, tags: [http], description: Failed requests.}
  api.request.latency_ms: {type: histogram, unit: ms, buckets: latency, tags: [http], description: Latency.}
  api.users.daily_active: {type: gauge, unit: users, tags: [env, plan], description: Daily active users.}
  vendor.request.count: {type: counter, unit: requests, tags: [env, vendor], description: Vendor calls.}
  vendor.request.errors: {type: counter, unit: requests, tags: [env, vendor], description: Failed vendor calls.}
  vendor.cost_cents: {type: counter, unit: cents, tags: [env], description: Vendor fees.}
headers:
  x-request-id: {group: required, required: true, description: Request id., format: uuid-v4, max_bytes: 36,
                 hops: [client-api, api-vendor]}
  authorization: {group: required, required: true, description: Bearer token., format: bearer-jwt, secret: true,
                  hops: [client-api]}
  x-user-id: {group: recommended, description: Hashed user., format: hashed-id, tag: userIdHash, identity: true,
              hops: [client-api]}
  traceparent: {group: tracing, description: W3C trace context., format: traceparent, hops: [client-api, api-vendor]}
  x-vendor: {group: provider, description: Vendor key., format: enum, tag: vendor, hops: [client-api]}
  x-plan: {group: provider, description: Plan name., format: token, tag: plan, max_bytes: 12, hops: [client-api]}
  accept: {group: sse, description: SSE accept., format: literal, value: text/event-stream, hops: [client-api]}
header_policy: {default_max_bytes: 4096, strip_unknown: true}
logs:
  description: JSON lines.
  envelope:
    ts: {type: datetime, required: true, description: Time.}
    level: {type: enum, values: [info, error], required: true, description: Level.}
    service: {type: service, required: true, description: Service.}
    env: {tag: env, required: true, description: Environment.}
    requestId: {type: uuid, required: true, description: Request id.}
  objects:
    error:
      description: An error.
      fields:
        code: {type: string, max_length: 40, required: true, description: Error code.}
  events:
    api.request:
      service: api
      description: One request.
      discriminator: route
      fields:
        route: {tag: route, required: true, description: Route.}
        status: {type: integer, min: 100, max: 599, required: true, description: Status.}
        latencyMs: {type: number, min: 0, unit: ms, required: true, description: Latency.}
        cache: {type: enum, values: [hit, miss], description: Cache result.}
        sku: {type: string, pattern: "^[A-Z0-9]{4,8}$", description: Product code.}
        retried: {type: boolean, description: Retried once.}
        userIdHash: {tag: userIdHash, description: User.}
        error: {object: error, description: Error.}
redaction:
  description: Never log raw content.
  forbidden_fields: [text, email]
  log_retention_days: 30
budgets:
  fee_per_user: {description: Daily vendor fee per user., unit: cents, value: {prod: 10, dev: 50}}
slos:
  api-availability:
    service: api
    description: Requests that succeed.
    period: 28d
    objective: {prod: 99.9, dev: 99}
    ratio: {errors: api.request.errors, total: api.request.count}
    filter: {route: GET /items}
    min_requests_per_hour: 5
    absent_alert: true
alerts:
  ApiLatencyHigh:
    service: vendor
    severity: page
    description: p99 latency is high.
    quantile: {metric: api.request.latency_ms, q: 0.99, filter: {env: prod}, by: [route]}
    above: 500
    for: 5m
  VendorErrorRateHigh:
    service: vendor
    severity: ticket
    description: Vendor error rate is high.
    summary: Vendor errors above threshold.
    ratio: {numerator: vendor.request.errors, denominator: vendor.request.count, by: [vendor]}
    above: {prod: 0.01, dev: 0.1}
    for: 10m
  FeePerUserOverBudget:
    service: vendor
    severity: ticket
    description: Vendor fees per active user are over budget.
    cost_per_user: {cost: vendor.cost_cents, users: api.users.daily_active, average_over: 3d}
    above_budget: fee_per_user
    for: 1h
"""

Path = tuple[Any, ...]


def base_data() -> dict[str, Any]:
    """A fresh deep copy of BASE as plain data."""
    return copy.deepcopy(_BASE)


def string_values(data: Any, path: Path = ()) -> Iterator[Path]:
    """Paths of every string value in `data` (mapping values and list items), in document order."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from string_values(value, path + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from string_values(value, path + (i,))
    elif isinstance(data, str):
        yield path


def get(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data


def put(data: Any, path: Path, value: Any) -> None:
    get(data, path[:-1])[path[-1]] = value


def dotted(path: Path) -> str:
    """`slos.api-availability.ratio.errors`, `project.environments[0]`: the field part of a case id."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_BASE: dict[str, Any] = yaml.safe_load(BASE_YAML)
