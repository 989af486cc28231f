"""Red-team counter-examples: specs that `obs-codegen lint` accepts but whose output fails its consumer.

Each test starts from BASE (a small lint-clean spec whose output passes tsc, mypy, promtool and
the log validators; `test_base_spec_is_clean` proves that), applies one legal edit, and asserts the
project's promise: either lint rejects the spec with a diagnostic, or the generated output passes
the real program that consumes it. Every counter-example found is marked
`xfail(strict=True)`: it fails today, and the marker must go when the fix lands (XPASS fails).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, require_binary, run, run_cli, tsc, write_files
from jsonschema import Draft202012Validator

from obs_codegen.backends import render_all
from obs_codegen.pipeline import compile_spec
from obs_codegen.spec.model import Model

BASE = """
version: 1
project:
  name: shop
  title: Shop
  description: A tiny web shop.
  metric_prefix: shop
  environments: [prod, dev]
  packages: {python: shop_obs, typescript: "@shop/obs"}
hops:
  client-api: {description: Browser to API., from: browser, to: api}
  api-vendor: {description: API to the payment vendor., from: api, to: vendor, external: true}
services:
  api: {title: API, description: The HTTP API.}
  vendor: {title: Vendor, description: Payment vendor.}
tags:
  env: {type: environment, description: Environment.}
  route: {type: enum, values: ["GET /items", "POST /orders"], description: Route id.}
  userIdHash: {type: hashed_id, prefix: "u:", description: Hashed user id.}
metrics:
  api.request.count: {type: counter, unit: requests, tags: [env, route], description: Requests.}
  api.request.errors: {type: counter, unit: requests, tags: [env, route], description: Failed requests.}
  api.request.latency_ms: {type: histogram, unit: ms, buckets: [50, 100, 250, 500, 1000], tags: [env, route],
                           description: Latency.}
headers:
  x-request-id: {group: required, required: true, description: Request id., format: uuid-v4, max_bytes: 36,
                 hops: [client-api, api-vendor]}
  authorization: {group: required, required: true, description: Bearer token., format: bearer-jwt, secret: true,
                  hops: [client-api]}
  accept: {group: sse, description: SSE accept., format: literal, value: text/event-stream, hops: [client-api]}
logs:
  description: JSON lines.
  envelope:
    ts: {type: datetime, required: true, description: Time.}
    level: {type: enum, values: [info, error], required: true, description: Level.}
    service: {type: service, required: true, description: Service.}
    env: {tag: env, required: true, description: Environment.}
    requestId: {type: uuid, required: true, description: Request id.}
  events:
    api.request:
      service: api
      description: One request.
      discriminator: route
      fields:
        route: {tag: route, required: true, description: Route.}
        latencyMs: {type: number, min: 0, unit: ms, required: true, description: Latency.}
        userIdHash: {tag: userIdHash, description: User.}
slos:
  api-availability:
    service: api
    description: Requests that succeed.
    period: 28d
    objective: 99.9
    ratio: {errors: api.request.errors, total: api.request.count}
alerts:
  ApiLatencyHigh:
    service: api
    severity: page
    description: p99 latency is high.
    quantile: {metric: api.request.latency_ms, q: 0.99, by: [route]}
    above: 500
    for: 5m
"""

# `tsc --noEmit --strict` as a consumer runs it; PROJECT_TS adds the options tests/test_codegen.py uses.
STRICT_TS = {"strict": True, "module": "nodenext", "moduleResolution": "nodenext", "target": "es2022",
             "lib": ["es2022"], "types": ["node"], "typeRoots": [str(ROOT / "node_modules" / "@types")], "noEmit": True}
PROJECT_TS = {**STRICT_TS, "noUnusedLocals": True, "exactOptionalPropertyTypes": True,
              "noUncheckedIndexedAccess": True}

Edit = Callable[[dict[str, Any]], None]


def lint_clean(tmp_path: Path, edit: Edit) -> Model | None:
    """The model of BASE after `edit` if lint accepts it, else None (a lint error is a valid fix)."""
    data = yaml.safe_load(BASE)
    edit(data)
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    compiled = compile_spec(path, "spec.yaml")
    return compiled.model if compiled.ok else None


def generate(tmp_path: Path, edit: Edit, only: list[str]) -> Path | None:
    """Lint, then render the `only` backends into tmp_path/out; None when lint rejects the spec."""
    model = lint_clean(tmp_path, edit)
    if model is None:
        return None
    return write_files(render_all(model, only=only), tmp_path / "out")


def tsc_errors(out: Path, options: dict[str, Any]) -> str:
    (out / "package.json").write_text('{"type": "module"}', encoding="utf-8")
    result = tsc(out, {"compilerOptions": options, "include": ["typescript/*.ts"]})
    return "" if result.returncode == 0 else result.stdout


def promtool(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([require_binary("promtool"), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)


def promtool_test(out: Path, name: str, timeout: float = 60) -> str:
    """`promtool test rules` on one generated test ('' when it passes)."""
    try:
        r = promtool("test", "rules", name, cwd=out / "prometheus" / "tests", timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"promtool test rules {name} did not finish within {timeout:.0f} s"
    return "" if r.returncode == 0 else r.stdout + r.stderr


def alert_names(out: Path) -> list[tuple[str, str, str]]:
    """(alert name, severity, long window) of every alert rule: an alert may be one rule per severity (disjoint
    environments) and burn-rate tier, so a collision is two rules with the same name, severity and tier."""
    return [(rule["alert"], rule["labels"]["severity"], rule["labels"].get("long_window", ""))
            for f in sorted((out / "prometheus" / "rules").glob("*.yml"))
            for group in yaml.safe_load(f.read_text())["groups"] for rule in group["rules"] if "alert" in rule]


def nothing(data: dict[str, Any]) -> None:
    """The unedited BASE."""


# --- the control --------------------------------------------------------------------------

def test_base_spec_is_clean(tmp_path: Path) -> None:
    """BASE itself passes every consumer the counter-examples use, so each failure below is the edit's."""
    out = generate(tmp_path, nothing, ["typescript", "python", "prometheus", "log_schemas"])
    assert out is not None
    assert tsc_errors(out, PROJECT_TS) == ""
    assert promtool_test(out, "ApiLatencyHigh.test.yml") == "" and promtool_test(out, "slo-api-availability.test.yml") == ""
    assert len(alert_names(out)) == len(set(alert_names(out)))
    for source in (out / "python").rglob("*.py"):
        compile(source.read_text(encoding="utf-8"), str(source), "exec")


# --- generated code that does not compile ---------------------------------------------------

def drop_sse_headers(data: dict[str, Any]) -> None:
    del data["headers"]["accept"]


def drop_hops(data: dict[str, Any]) -> None:
    del data["hops"]
    for header in data["headers"].values():
        header["hops"] = []


def test_spec_without_sse_headers_compiles_under_tsc_strict(tmp_path: Path) -> None:
    out = generate(tmp_path, drop_sse_headers, ["typescript"])
    assert out is None or tsc_errors(out, STRICT_TS) == ""


def test_spec_without_hops_compiles_under_tsc_strict(tmp_path: Path) -> None:
    out = generate(tmp_path, drop_hops, ["typescript"])
    assert out is None or tsc_errors(out, STRICT_TS) == ""


def test_unused_tag_types_are_not_imported(tmp_path: Path) -> None:
    def metric_only_tag(data: dict[str, Any]) -> None:
        data["tags"]["vendor"] = {"type": "enum", "values": ["stripe", "adyen"], "description": "Vendor."}
        data["metrics"]["vendor.request.count"] = {"type": "counter", "unit": "requests", "tags": ["env", "vendor"],
                                                   "description": "Vendor calls."}

    out = generate(tmp_path, metric_only_tag, ["typescript"])
    assert out is None or tsc_errors(out, PROJECT_TS) == ""


def test_spec_without_logs_python_package_compiles(tmp_path: Path) -> None:
    out = generate(tmp_path, lambda data: data.pop("logs"), ["python"])
    if out is not None:
        for source in (out / "python").rglob("*.py"):
            compile(source.read_text(encoding="utf-8"), str(source), "exec")  # SyntaxError fails the test


# --- rules and their generated tests ---------------------------------------------------------

def test_empty_enum_value_alert_test_passes(tmp_path: Path) -> None:
    out = generate(tmp_path, lambda d: d["tags"]["route"].update(values=["", "POST /orders"]), ["prometheus"])
    assert out is None or promtool_test(out, "ApiLatencyHigh.test.yml") == ""


def test_one_week_slo_period_tests_pass(tmp_path: Path) -> None:
    out = generate(tmp_path, lambda d: d["slos"]["api-availability"].update(period="1w"), ["prometheus"])
    assert out is None or promtool_test(out, "slo-api-availability.test.yml") == ""


def test_long_for_duration_test_runs_quickly(tmp_path: Path) -> None:
    out = generate(tmp_path, lambda d: d["alerts"]["ApiLatencyHigh"].update({"for": "1w"}), ["prometheus"])
    assert out is None or promtool_test(out, "ApiLatencyHigh.test.yml", timeout=10) == ""


def test_huge_slo_period_rules_load(tmp_path: Path) -> None:
    out = generate(tmp_path, lambda d: d["slos"]["api-availability"].update(period="200000d"), ["prometheus"])
    if out is not None:
        rules = sorted(str(p) for p in (out / "prometheus" / "rules").glob("*.yml"))
        checked = promtool("check", "rules", *rules, cwd=out)
        assert checked.returncode == 0, checked.stdout + checked.stderr


def threshold_alert_named_like_a_burn_alert(data: dict[str, Any]) -> None:
    data["alerts"]["ApiAvailabilityBurnFast"] = {**data["alerts"]["ApiLatencyHigh"], "for": "10m"}


def slo_names_equal_after_camel_case(data: dict[str, Any]) -> None:
    data["slos"]["api--availability"] = dict(data["slos"]["api-availability"])


def long_slo_names(data: dict[str, Any]) -> None:
    slo = data["slos"].pop("api-availability")
    for region in ("eu-west", "us-east"):
        data["slos"][f"api-availability-of-the-primary-region-{region}"] = dict(slo)


@pytest.mark.parametrize("edit", [threshold_alert_named_like_a_burn_alert, slo_names_equal_after_camel_case,
                                  long_slo_names])
def test_generated_alert_names_are_unique(tmp_path: Path, edit: Edit) -> None:
    out = generate(tmp_path, edit, ["prometheus"])
    names = alert_names(out) if out is not None else []
    assert len(names) == len(set(names)), sorted(n for n in set(names) if names.count(n) > 1)


# --- log schemas ----------------------------------------------------------------------------

def test_every_event_kind_is_reachable(tmp_path: Path) -> None:
    def second_event_same_discriminator(data: dict[str, Any]) -> None:
        fields = {**data["logs"]["events"]["api.request"]["fields"],
                  "items": {"type": "integer", "min": 0, "required": True, "description": "Items."}}
        data["logs"]["events"]["api.listing"] = {"service": "api", "description": "A listing.",
                                                 "discriminator": "route", "fields": fields}

    out = generate(tmp_path, second_event_same_discriminator, ["log_schemas"])
    if out is not None:
        schema = json.loads((out / "schemas" / "logs" / "api.schema.json").read_text())
        line = {"ts": "2024-05-01T12:00:00Z", "level": "info", "service": "api", "env": "prod",
                "requestId": "b7c1a5f9-2b2e-4ac6-9f0d-9f6d2e0b7a6e", "route": "GET /items", "latencyMs": 3,
                "items": 2}  # a complete api.listing event
        assert [e.message for e in Draft202012Validator(schema).iter_errors(line)] == []


# --- privacy --------------------------------------------------------------------------------

SANITIZE = """
import json, sys
from shop_obs.headers import sanitize_headers
kept = sanitize_headers("api-vendor", {"x-request-id": "b7c1a5f9-2b2e-4ac6-9f0d-9f6d2e0b7a6e", sys.argv[1]: sys.argv[2]})
print(json.dumps(sorted(kept.headers)))
"""


@pytest.mark.parametrize(("header", "value"), [("proxy-authorization", "dXNlcjpwYXNz"), ("cookie", "sess.abc123"),
                                               ("x-api-key", "sk_live_abc123")])
def test_credential_headers_never_reach_an_external_hop(tmp_path: Path, header: str, value: str) -> None:
    def credential_on_external_hop(data: dict[str, Any]) -> None:
        data["headers"][header] = {"group": "provider", "description": "Credential.", "format": "token",
                                   "hops": ["client-api", "api-vendor"]}

    out = generate(tmp_path, credential_on_external_hop, ["python"])
    if out is not None:
        ran = run([sys.executable, "-c", SANITIZE, header, value], cwd=out / "python")
        assert ran.returncode == 0, ran.stderr
        assert header not in json.loads(ran.stdout)


# --- bad input: a diagnostic, never a traceback -----------------------------------------------

def test_huge_integer_is_a_diagnostic(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(BASE.replace("above: 500", "above: 1" + "0" * 400), encoding="utf-8")
    result = run_cli("lint", "--spec", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-800:]
    assert "spec.yaml:" in result.stdout + result.stderr and "error[" in result.stdout + result.stderr
