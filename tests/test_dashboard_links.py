"""Firing alerts on the panels of their metrics, links between dashboards, and alert links that resolve.

Every alert rule the Prometheus backend writes (spec alerts and SLO burn-rate/no-data alerts) is
annotated, through an `ALERTS` query, on exactly the panels that read its metrics; every
`dashboard_url` in the rules and every dashboard link in the catalog names a dashboard the
dashboards backend generates, also for an alert owned by a service that has no metrics.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from typing import Any

import promql_parser
import yaml
from conftest import CASES

from obs_codegen.backends import backend
from obs_codegen.backends.templating import Templates
from obs_codegen.spec.model import Model
from obs_codegen.verify.dashboards import panels_of


def _boards(model: Model) -> dict[str, dict[str, Any]]:
    files = backend("dashboards")(model, Templates())
    return {p.stem: json.loads(b) for p, b in files.items() if p.suffix == ".json"}


def _alert_rules(model: Model) -> list[dict[str, Any]]:
    files = backend("prometheus")(model, Templates())
    return [rule for p, b in files.items() if p.parts[1] == "rules"
            for group in yaml.safe_load(b)["groups"] for rule in group["rules"] if "alert" in rule]


def test_every_alert_is_annotated_on_the_panels_of_its_metrics(model: Model) -> None:
    boards = _boards(model)
    annotated: set[str] = set()
    for board in boards.values():
        panels = {p["id"]: p for p in panels_of(board) if p["type"] != "row"}
        for query in board["annotations"]["list"][1:]:
            tree = promql_parser.parse(query["expr"].replace("$env", "production"))
            assert tree.name == "ALERTS"  # parses, and reads the ALERTS series
            assert 'alertstate="firing"' in query["expr"] and 'env=~"$env|"' in query["expr"]
            names = re.search(r'alertname=~"([^"]+)"', query["expr"]).group(1).split("|")  # type: ignore[union-attr]
            annotated |= set(names)
            assert query["filter"]["ids"] and set(query["filter"]["ids"]) <= set(panels)
            for alert in model.alerts:
                if alert.name in names:
                    for panel_id in query["filter"]["ids"]:
                        exprs = " ".join(t["expr"] for t in panels[panel_id]["targets"])
                        assert any(s in exprs for m in alert.metrics for s in (*m.series, m.base_name)), alert.name
    assert annotated == {r["alert"] for r in _alert_rules(model)}


def test_links_between_dashboards(model: Model) -> None:
    boards = _boards(model)
    for name, board in boards.items():
        links = {link["title"]: link for link in board["links"]}
        assert links["Coach Up"]["type"] == "dashboards" and links["Coach Up"]["tags"] == ["coachup"]
        assert links["Catalog and runbooks"]["url"] == model.project.catalog_url
        if name != "slo-overview":
            assert links["SLO overview"]["url"] == f"/d/{model.slo_overview_uid}" and links["SLO overview"]["includeVars"]
    assert all(set(b["tags"]) >= {"coachup"} for b in boards.values())  # what the dropdown link lists


def test_alert_dashboard_links_resolve_even_for_a_service_without_metrics(compile_text: Any) -> None:
    text = (CASES / "minimal" / "spec.yaml").read_text()
    text = text.replace("  vendor: {title: Vendor, description: Payment vendor rollups.}",
                        "  vendor: {title: Vendor, description: Payment vendor rollups.}\n"
                        "  ops: {title: Ops, description: On-call team that owns alerts and emits no metrics.}")
    text = text.replace("  VendorErrorRateHigh:\n    service: vendor", "  VendorErrorRateHigh:\n    service: ops")
    compiled = compile_text(text)
    assert compiled.ok, [d.text() for d in compiled.diagnostics]
    model = compiled.model
    assert not model.metrics_for("ops")
    uids = {b["uid"] for b in _boards(model).values()}
    rules = _alert_rules(model)
    ops = next(r for r in rules if r["alert"] == "VendorErrorRateHigh")
    assert ops["annotations"]["dashboard_url"].endswith(f"/d/{model.service('vendor').dashboard_uid}")
    for rule in rules:
        assert rule["annotations"]["dashboard_url"].rsplit("/d/", 1)[1] in uids, rule["alert"]
    catalog = next(b for p, b in backend("catalog")(model, Templates()).items() if p.suffix == ".md").decode()
    linked = set(re.findall(r"/d/([A-Za-z0-9_-]+)\)", catalog))
    assert linked and linked <= uids
    assert PurePosixPath("grafana/dashboards/ops.json") not in backend("dashboards")(model, Templates())
