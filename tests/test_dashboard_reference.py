"""The dashboards `generate` writes are grafanalib's, normalised, byte for byte.

`generate` builds the dashboard JSON directly as data (`dashboards.build`); grafanalib stays the
reference consumer (`dashboards.reference`: its objects, its JSON, then `normalize`). For every
dashboard of the Coach Up spec and of every test case, and for randomly drafted dashboards that
reach every branch of a panel (each kind, fixed and per-environment marks with and without an
environment variable, instant, interval, bars, decimals, empty legends and units, alerts), the
written bytes equal the standard library's `json.dumps` of the reference: so the two builders, and
the dashboards' encoder path (`fast_json.encode(finite=True)`), cannot drift apart silently.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest
from conftest import CASE_NAMES, CASES, ROOT, model_of, run

from obs_codegen.backends import dashboards
from obs_codegen.backends.dashboards.build import dashboard_json
from obs_codegen.backends.dashboards.common import Draft, Mark
from obs_codegen.backends.dashboards.layout import Plan, plan, var_datasource, var_query
from obs_codegen.backends.dashboards.reference import reference_json
from obs_codegen.spec.model import Model


def reference_bytes(laid: Plan) -> bytes:
    text = json.dumps(reference_json(laid), ensure_ascii=False, sort_keys=True, indent=2, allow_nan=False)
    return (text + "\n").encode("utf-8")


@pytest.mark.parametrize("case", [None, *CASE_NAMES], ids=["coachup", *CASE_NAMES])
def test_every_dashboard_equals_the_grafanalib_reference(case: str | None, model: Model) -> None:
    if case is not None:
        model = model_of(CASES / case / "spec.yaml")
    laid = dashboards.plans(model)
    assert laid
    for name, board in laid.items():
        assert dashboards._dump(dashboard_json(board)) == reference_bytes(board), name


def _mark(rnd: random.Random) -> Mark:
    value = rnd.choice([0, 1, 0.25, 2000, 1e-9, 99.95, -3.5, 1e16])
    per_env = (("production", value), ("staging", value * 2)) if rnd.random() < 0.4 else ()
    return Mark(value, rnd.choice(["red", "orange", "purple", "green"]), rnd.choice(["", "Line: x."]), per_env,
                rnd.choice(["threshold", "A threshold"]))


def _draft(rnd: random.Random, alerts: list[str]) -> Draft:
    kind = rnd.choice(["timeseries", "timeseries", "stat", "heatmap"])
    targets = [(f"sum(rate(m{i}_total[5m]))", rnd.choice(["", "{{route}}", "p99"])) for i in range(rnd.randint(1, 3))]
    return Draft(kind, rnd.choice(["", "Title é"]), rnd.choice(["", "About it."]), rnd.choice(["", "ms", "reqps"]),
                 targets, width=rnd.choice([4, 6, 9, 12, 24, 30]), height=rnd.choice([6, 8]),
                 marks=[_mark(rnd) for _ in range(rnd.choice([0, 0, 1, 2, 3]))], instant=rnd.random() < 0.3,
                 interval=rnd.choice(["", "", "1d"]), bars=rnd.random() < 0.2,
                 decimals=rnd.choice([None, None, 0, 2]), base_color=rnd.choice(["green", "red", "blue"]),
                 alerts=tuple(rnd.sample(alerts, rnd.randint(0, 2))))


def test_random_dashboards_equal_the_grafanalib_reference(model: Model) -> None:
    rnd = random.Random(6)
    alerts = ["HighErrors", "SlowRequests", "BudgetBurn"]
    for _ in range(150):
        sections = [(f"row {r}", [_draft(rnd, alerts) for _ in range(rnd.randint(0, 6))])
                    for r in range(rnd.randint(1, 4))]
        variables = [var_datasource()]
        if rnd.random() < 0.7:
            variables.append(var_query("env", "Environment", "label_values(up, env)", multi=False))
        variables += [var_query("route", "route", "label_values(up, route)", multi=True)] if rnd.random() < 0.5 else []
        uid = rnd.choice(["some-uid", model.slo_overview_uid])
        laid = plan(model, uid, "Title", "About.", ["t"], sections, variables)
        assert dashboards._dump(dashboard_json(laid)) == reference_bytes(laid)


def test_generate_does_not_import_grafanalib(tmp_path: Path) -> None:
    """grafanalib (0.1-0.2 s to import) is the reference of the tests, not a step of `generate`."""
    probe = ("import sys\nfrom obs_codegen.cli.main import main\n"
             f"try:\n    main(['generate', '--out', {str(tmp_path / 'out')!r}], standalone_mode=False)\n"
             "except SystemExit:\n    pass\nprint(sorted(m for m in ('grafanalib',) if m in sys.modules))\n")
    r = run([sys.executable, "-c", probe], timeout=120, cwd=ROOT)
    assert r.stdout.strip().splitlines()[-1] == "[]", r.stdout + r.stderr
    assert (tmp_path / "out" / "grafana" / "dashboards" / "next.json").exists()


def test_a_non_finite_threshold_raises_as_the_encoder_would(model: Model) -> None:
    from obs_codegen.backends.escape import Unrepresentable

    draft = Draft("timeseries", "t", "d", "ms", [("up", "")], marks=[Mark(float("inf"), "red", "")])
    with pytest.raises(Unrepresentable):
        dashboard_json(plan(model, "u", "T", "D", [], [("row", [draft])], [var_datasource()]))
