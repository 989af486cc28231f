"""The generated Alertmanager configuration: `amtool check-config` accepts it, and every generated
`routes test` case (each alert rule and environment -> its receiver) passes `amtool config routes test`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import CASES, model_of, require_binary, run, write_files

from obs_codegen.backends import alertmanager
from obs_codegen.backends.templating import Templates
from obs_codegen.spec.model import Model


def amtool(*args: str, cwd: Path) -> tuple[int, str]:
    r = run([require_binary("amtool"), *args], cwd)
    return r.returncode, r.stdout + r.stderr


def rendered(model: Model, root: Path) -> Path:
    return write_files(alertmanager.render(model, Templates()), root) / "alertmanager"


def route_test(cwd: Path, labels: dict[str, str], receivers: list[str]) -> tuple[int, str]:
    return amtool("config", "routes", "test", "--config.file=alertmanager.yml",
                  f"--verify.receivers={','.join(receivers)}", *(f"{k}={v}" for k, v in labels.items()), cwd=cwd)


@pytest.fixture(scope="module", params=["coachup", "minimal"])
def am(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Model, Path]:
    model = request.getfixturevalue("model") if request.param == "coachup" else model_of(CASES / "minimal" / "spec.yaml")
    return model, rendered(model, tmp_path_factory.mktemp(request.param))


def test_amtool_check_config(am: tuple[Model, Path]) -> None:
    _, d = am
    code, out = amtool("check-config", "alertmanager.yml", cwd=d)
    assert code == 0 and "SUCCESS" in out, out


def test_generated_route_cases_pass_amtool(am: tuple[Model, Path]) -> None:
    _, d = am
    cases = yaml.safe_load((d / "routes.test.yml").read_text())["tests"]
    assert cases
    failures = {}
    for c in cases:
        code, out = route_test(d, c["labels"], c["receivers"])
        if code != 0:
            failures[str(c["labels"])] = out
    assert failures == {}


def test_a_wrong_receiver_fails_amtool(am: tuple[Model, Path]) -> None:
    """Negative control: amtool really verifies the receiver."""
    _, d = am
    case = yaml.safe_load((d / "routes.test.yml").read_text())["tests"][0]
    code, _ = route_test(d, case["labels"], ["nobody"])
    assert code != 0


def test_coachup_pages_only_in_production(model: Model) -> None:
    """Severity per environment: a fast burn pages in production and is a ticket in staging and dev."""
    cases = {(c["labels"]["alertname"], c["labels"].get("env")): c for c in alertmanager.route_tests(model)["tests"]}
    assert cases["ChatAvailabilityBurnFast", "production"]["labels"]["severity"] == "page"
    assert cases["ChatAvailabilityBurnFast", "production"]["receivers"] == ["coachup-page-production"]
    for env in ("staging", "dev"):
        assert cases["ChatAvailabilityBurnFast", env]["labels"]["severity"] == "ticket"
        assert cases["ChatAvailabilityBurnFast", env]["receivers"] == [f"coachup-ticket-{env}"]
        assert cases["ProviderErrorRateHigh", env]["labels"]["severity"] == "ticket"
    pages = {name for (name, env), c in cases.items() if c["labels"]["severity"] == "page"}
    assert pages == {"ChatAvailabilityBurnFast", "ChatLatencyBurnFast", "ChatFirstTokenSlow", "ProviderErrorRateHigh"}
    assert {env for (name, env), c in cases.items() if c["labels"]["severity"] == "page"} == {"production"}


def test_slow_burn_is_inhibited_by_fast_burn_of_the_same_slo_and_env(model: Model) -> None:
    tree = alertmanager.routing_tree(model)
    assert {"source_matchers": ['alertname="ChatAvailabilityBurnFast"'],
            "target_matchers": ['alertname="ChatAvailabilityBurnSlow"'], "equal": ["env", "slo"]} in tree["inhibit_rules"]
    assert tree["route"]["group_by"] == ["alertname", "env", "slo"]


def test_receivers_are_placeholders_without_secrets(model: Model) -> None:
    assert all(set(r) == {"name"} for r in alertmanager.routing_tree(model)["receivers"])


OWNED = """
version: 1
project: {name: shop, metric_prefix: shop, environments: [prod, dev],
          alerting: {page_environments: [prod, dev]},
          links: {catalog: "https://docs.example/obs.md", grafana: "https://grafana.example"}}
services:
  api: {description: The API., owner: web-team}
tags:
  env: {type: environment, description: Environment.}
metrics:
  api.request.count: {type: counter, unit: requests, tags: [env], description: Requests.}
  api.request.errors: {type: counter, unit: requests, tags: [env], description: Failed requests.}
  api.queue.depth: {type: gauge, unit: items, tags: [env], description: Jobs waiting.}
alerts:
  ApiErrorsHigh:
    service: api
    severity: {prod: page, dev: ticket}
    description: Error share.
    ratio: {numerator: api.request.errors, denominator: api.request.count}
    above: 0.1
    for: 5m
  ApiQueueDeep:
    service: api
    owner: queue-team
    severity: page
    description: Queue depth.
    gauge: {metric: api.queue.depth}
    above: 100
    for: 5m
"""


def test_owner_and_severity_maps_route(compile_text, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    compiled = compile_text(OWNED)
    assert compiled.ok, [d.text() for d in compiled.diagnostics]
    d = rendered(compiled.model, tmp_path)
    assert amtool("check-config", "alertmanager.yml", cwd=d)[0] == 0
    want = {("ApiErrorsHigh", "prod"): "web-team-page-prod", ("ApiErrorsHigh", "dev"): "web-team-ticket-dev",
            ("ApiQueueDeep", "prod"): "queue-team-page-prod", ("ApiQueueDeep", "dev"): "queue-team-page-dev"}
    got = {(c["labels"]["alertname"], c["labels"]["env"]): c["receivers"][0]
           for c in yaml.safe_load((d / "routes.test.yml").read_text())["tests"]}
    assert got == want
    for (name, env), receiver in want.items():
        labels = {"alertname": name, "env": env, "owner": receiver.split("-page")[0].split("-ticket")[0],
                  "severity": "page" if "-page-" in receiver else "ticket"}
        assert route_test(d, labels, [receiver])[0] == 0, (name, env)
