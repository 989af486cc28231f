"""Synthetic specs of the Coach Up spec's shape, at any size, for the benchmark (issue 17).

    python scripts/synth_spec.py METRICS [OUT.yaml]     # default: stdout

Deterministic: 100 metrics per service (counters with an error counter `part_of` them,
histograms on shared bucket sets, a few tag sets), per service one availability SLO, one
latency SLO, a quantile alert, a ratio alert and one log event. The result lints clean, so
lint, generate and check exercise every stage. Used by scripts/bench.py; not part of the tool.
"""

from __future__ import annotations

import sys

PER_SERVICE = 100

HEAD = """\
version: 1
project:
  name: synth
  title: Synthetic
  description: A synthetic spec of the Coach Up shape ({metrics} metrics).
  metric_prefix: synth
  environments: [production, staging, dev]
  packages: {{python: synth_obs, typescript: "@synth/obs"}}
  links: {{catalog: "https://example.com/catalog.md", grafana: "https://grafana.example.com"}}
  series_budget: 20000
hashing: {{algorithm: hmac-sha256, hex_chars: 32, salt_env: OBS_ID_HASH_SALT, salt_rotation_days: 90}}
tags:
  env: {{type: environment, description: Deployment environment.}}
  route:
    type: enum
    description: Canonical route id.
    values: [GET /a, POST /a, GET /b, POST /b, GET /c]
  provider: {{type: enum, description: Upstream provider., values: [alpha, beta, gamma]}}
  errorType: {{type: enum, description: Error class., label: error_type, values: [timeout, server_error, client_error]}}
  userIdHash: {{type: hashed_id, description: Salted hash of the user id., prefix: "u:"}}
tag_sets:
  http: [env, route]
  upstream: [env, provider]
bucket_sets:
  latency_ms: [25, 50, 100, 250, 500, 1000, 2000, 4000, 8000, 15000, 30000, 60000]
  items: [0, 1, 5, 10, 25, 50, 100, 250, 1000]
"""

LOGS_HEAD = """\
logs:
  description: Structured JSON only, one event per line.
  envelope:
    ts: {type: datetime, required: true, description: "Event time, RFC 3339, UTC."}
    level: {type: enum, values: [debug, info, warn, error], required: true, description: Severity.}
    service: {type: service, required: true, description: Emitting service.}
    env: {tag: env, required: true, description: Deployment environment.}
    requestId: {type: uuid, required: true, description: The request id.}
  events:
"""


def service_name(i: int) -> str:
    return f"svc{i:04d}"


def metrics_block(svc: str, count: int) -> list[str]:
    lines: list[str] = []
    for j in range(0, count, 4):
        group = min(4, count - j)
        base = f"{svc}.op{j // 4:03d}"
        tags = "http" if j % 8 == 0 else "upstream"
        kinds = [
            (f"{base}.count", f"    type: counter\n    unit: requests\n    tags: [{tags}]\n"
                              f"    description: Operations of kind {j // 4} in {svc}.\n"),
            (f"{base}.errors", f"    type: counter\n    part_of: {base}.count\n    unit: requests\n"
                               f"    tags: [{tags}, errorType]\n    description: Failed operations of kind {j // 4}.\n"),
            (f"{base}.latency_ms", f"    type: histogram\n    unit: ms\n    buckets: latency_ms\n    tags: [{tags}]\n"
                                   f"    description: Latency of operations of kind {j // 4}.\n"),
            (f"{base}.items", f"    type: histogram\n    unit: items\n    buckets: items\n    tags: [env]\n"
                              f"    description: Items handled per operation of kind {j // 4}.\n"),
        ]
        for name, body in kinds[:group]:
            lines.append(f"  {name}:\n{body}")
    return lines


def generate(metrics: int) -> str:
    services = max(1, -(-metrics // PER_SERVICE))
    out = [HEAD.format(metrics=metrics), "services:\n"]
    for i in range(services):
        out.append(f"  {service_name(i)}:\n    title: Service {i}\n    description: Synthetic service {i}.\n")
    out.append("metrics:\n")
    left = metrics
    counts = []
    for i in range(services):
        n = min(PER_SERVICE, left)
        counts.append(n)
        left -= n
        out.extend(metrics_block(service_name(i), n))
    out.append(LOGS_HEAD)
    for i in range(services):
        svc = service_name(i)
        out.append(f"    {svc}.request:\n      service: {svc}\n      description: One request to {svc}.\n"
                   "      discriminator: route\n      fields:\n"
                   "        route: {tag: route, required: true, description: Route.}\n"
                   "        status: {type: integer, min: 100, max: 599, required: true, description: HTTP status.}\n"
                   "        latencyMs: {type: number, min: 0, unit: ms, required: true, description: Latency.}\n"
                   "        userIdHash: {tag: userIdHash, description: Hashed user.}\n")
    out.append("prometheus:\n  retention: 30d\n")  # the 28d SLOs need more than the 15d default
    out.append("slos:\n")
    for i in range(services):
        svc = service_name(i)
        if counts[i] < 3:
            continue
        out.append(f"  {svc}-availability:\n    service: {svc}\n    description: Requests to {svc} that do not fail.\n"
                   f"    period: 28d\n    objective: {{production: 99.5, staging: 99, dev: 95}}\n"
                   f"    ratio: {{errors: {svc}.op000.errors, total: {svc}.op000.count}}\n"
                   f"    filter: {{route: POST /a}}\n")
        out.append(f"  {svc}-latency:\n    service: {svc}\n    description: 95% of {svc} requests within 2 s.\n"
                   f"    period: 28d\n    objective: 95\n"
                   f"    latency: {{metric: {svc}.op000.latency_ms, threshold: 2000}}\n")
    out.append("alerts:\n")
    for i in range(services):
        svc = service_name(i)
        if counts[i] < 3:
            continue
        cap = svc.capitalize()
        out.append(f"  {cap}LatencyHigh:\n    service: {svc}\n    severity: page\n"
                   f"    description: p95 latency of {svc} is above the threshold.\n"
                   f"    quantile: {{metric: {svc}.op000.latency_ms, q: 0.95}}\n"
                   f"    above: {{production: 2000, staging: 3000, dev: 5000}}\n    for: 10m\n")
        out.append(f"  {cap}ErrorRateHigh:\n    service: {svc}\n    severity: ticket\n"
                   f"    description: Share of failed {svc} operations is above the threshold.\n"
                   f"    ratio: {{numerator: {svc}.op000.errors, denominator: {svc}.op000.count, by: [route]}}\n"
                   f"    above: 0.05\n    for: 15m\n")
    return "".join(out)


def main(argv: list[str]) -> int:
    if not argv or not argv[0].isdigit():
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    text = generate(int(argv[0]))
    if len(argv) > 1:
        with open(argv[1], "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
