"""End to end for the second test spec (tests/cases/relay): its rules and dashboards on a real Prometheus.

tests/e2e/spec_exporter.py exposes every metric of the relay spec (stages live, canary and
sandbox, label `stage`, seconds and bytes units, gauges aggregated by max/min/avg, `part_of`
counters) for every label combination; Prometheus loads the generated rules. The same checks
as for Coach Up then run: every rule group healthy, every recording rule and every dashboard
target (the env-following threshold series included) returns data, every alert expression
evaluates over existing series.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CASES, model_of, require_binary, write_files
from e2e import checks
from e2e.stack import Prometheus, Stack

from obs_codegen.backends import render_all
from obs_codegen.spec.model import Model

SPEC = CASES / "relay" / "spec.yaml"
EXPORTER = Path(__file__).parent / "e2e" / "spec_exporter.py"


@pytest.fixture(scope="module")
def relay() -> Model:
    return model_of(SPEC)


@pytest.fixture(scope="module")
def out(relay: Model, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_files(render_all(relay), tmp_path_factory.mktemp("relay-out"))


def _groups(out: Path) -> dict[str, list[dict[str, Any]]]:
    return {g["name"]: g["rules"] for p in sorted((out / "prometheus" / "rules").glob("*.yml"))
            for g in yaml.safe_load(p.read_text())["groups"]}


@pytest.fixture(scope="module")
def prom(relay: Model, out: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prometheus]:
    stack = Stack(out / "python", sorted((out / "prometheus" / "rules").glob("*.yml")),
                  tmp_path_factory.mktemp("relay-stack"), relay.project.environments, require_binary("prometheus"),
                  exporter=[str(EXPORTER), "--spec", str(SPEC)])
    try:
        stack.start()
        stack.wait_for_data(40.0)
        assert stack.api is not None
        yield stack.api
    finally:
        stack.stop()


def test_rules_healthy_and_recording_rules_return_data(prom: Prometheus, out: Path) -> None:
    failures = checks.rule_health_failures(prom, _groups(out)) + checks.recording_rule_failures(prom, _groups(out))
    assert not failures, "\n".join(failures)


def test_alert_expressions_evaluate(prom: Prometheus, out: Path) -> None:
    failures = checks.alert_failures(prom, _groups(out))
    assert not failures, "\n".join(failures)


def test_every_dashboard_target_returns_data(prom: Prometheus, out: Path, relay: Model) -> None:
    boards = {p.name: json.loads(p.read_text()) for p in sorted((out / "grafana" / "dashboards").glob("*.json"))}
    assert set(boards) == {"worker.json", "mobile.json", "slo-overview.json"}
    failures = checks.dashboard_failures(prom, boards, relay.project.environments)
    assert not failures, "\n".join(failures)
