"""Thresholds that differ per environment follow the dashboard's `env` variable.

Grafana threshold steps are fixed numbers, so a per-environment alert threshold, SLO error
budget or cost budget is drawn as a series (`dashboards.common.env_threshold_expr`) whose value
is that of the environment `$env` selects. promtool evaluates the generated expression for every
environment with `$env` substituted, as Grafana would, and must get exactly that environment's
number (and one series); uniform thresholds stay fixed steps.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from conftest import require_binary, run

from obs_codegen.backends import dashboards
from obs_codegen.backends.templating import Templates
from obs_codegen.spec.model import Model
from obs_codegen.verify.dashboards import panels_of


def _boards(model: Model) -> dict[str, dict[str, Any]]:
    files = dashboards.render(model, Templates())
    return {p.stem: json.loads(b) for p, b in files.items() if p.suffix == ".json"}


def _panel(board: dict[str, Any], title: str) -> dict[str, Any]:
    return next(p for p in panels_of(board) if p.get("title") == title)


def _steps(panel: dict[str, Any]) -> list[Any]:
    return [s["value"] for s in panel["fieldConfig"]["defaults"]["thresholds"]["steps"]]


def _threshold_targets(panel: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in panel["targets"] if "label_replace(vector(" in t["expr"]]


def test_per_env_thresholds_are_series_not_production_steps(model: Model) -> None:
    boards = _boards(model)
    first_token = _panel(boards["next"], "Time to first SSE token p50/p95/p99")
    assert 2000 not in _steps(first_token)  # the production number is not a fixed line
    (target,) = _threshold_targets(first_token)
    assert target["legendFormat"] == "ChatFirstTokenSlow threshold"
    (override,) = first_token["fieldConfig"]["overrides"]
    assert override["matcher"] == {"id": "byFrameRefID", "options": target["refId"]}
    ratio = _panel(boards["next"], "Request errors / Request count")
    assert [t["legendFormat"] for t in _threshold_targets(ratio)] == ["SLO chat-availability error budget"]
    provider = _panel(boards["provider"], "Request errors / Request count")
    assert 0.05 in _steps(provider) and not _threshold_targets(provider)  # uniform: a fixed step
    cost = _panel(boards["slo-overview"], "provider.cost_cents per active user per day")
    assert [t["legendFormat"] for t in _threshold_targets(cost)] == ["cost_per_dau budget"]


def _promtool(tmp_path: Path, name: str, expr: str, env: str, value: float) -> bool:
    """True when promtool evaluates `expr` to exactly one sample, {env="<env>"} = value."""
    (tmp_path / "empty.yml").write_text("groups: []\n")
    test = {"rule_files": ["empty.yml"], "evaluation_interval": "1m", "tests": [{
        "interval": "1m", "input_series": [],
        "promql_expr_test": [{"expr": expr, "eval_time": "0m",
                              "exp_samples": [{"labels": f'{{env="{env}"}}', "value": value}]}],
    }]}
    (tmp_path / f"{name}.test.yml").write_text(yaml.safe_dump(test))
    result = run([require_binary("promtool"), "test", "rules", f"{name}.test.yml"], tmp_path)
    return result.returncode == 0


def test_promtool_gets_the_selected_environments_value(model: Model, tmp_path: Path) -> None:
    first_token = _panel(_boards(model)["next"], "Time to first SSE token p50/p95/p99")
    (target,) = _threshold_targets(first_token)
    want = {"production": 2000.0, "staging": 3000.0, "dev": 5000.0}
    for env, value in want.items():
        expr = target["expr"].replace("$env", env)  # what Grafana sends with that environment selected
        assert _promtool(tmp_path, env, expr, env, value), env
    # negative control: a staging view does not get the production number
    assert not _promtool(tmp_path, "wrong", target["expr"].replace("$env", "staging"), "staging", 2000.0)
