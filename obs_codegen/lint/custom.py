"""Lint of the escape hatches (`recording_rules:`, `panels:`): their PromQL is held to the generated queries' rules.

A hand-written recording rule goes through the rules' PromQL lint (`verify.promql.check_expr`: only
the spec's series and recording rules, only their labels and enum values, counters only inside
`rate`/`increase`, `histogram_quantile` keeping `le`); a hand-written panel through the dashboards'
(`verify.dashboards.check_expr`: the same, plus `[$__rate_interval]` and every dashboard variable
applied to each selector that has its label), against the variables of the dashboard it lands on.
Each finding is reported at the item's `expr`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from ..diagnostics import Diagnostic
from ..spec import naming
from ..spec.loader import Source
from ..spec.model import Model
from .registry import rule


@rule("custom-promql", "A hand-written recording rule's or panel's PromQL parses and reads only the spec's series "
      "and labels.", renders=True)
def _custom_promql(model: Model, src: Source) -> Iterator[Diagnostic]:
    if not model.recording_rules and not model.panels:
        return
    from ..backends.dashboards import dashboards_json
    from ..verify import dashboards as dash
    from ..verify import promql

    known = promql.known_series(model)
    names = [r.name for r in model.recording_rules]
    for i, record in enumerate(model.recording_rules):
        before = {k: v for k, v in known.items() if k not in names[i:]}  # itself and later rules do not exist yet
        for problem in promql.check_expr(record.expr, model, before)[:3]:
            yield src.diag(("recording_rules", record.name, "expr"), "custom-promql",
                           f"recording rule {record.name}: {problem}")
    boards = dashboards_json(model) if model.panels else {}
    for panel in model.panels:
        board = boards.get(panel.service, {})
        variables = {v.get("name") for v in board.get("templating", {}).get("list", [])}
        found = [f"{msg} ({rule_id})" for rule_id, msg in dash.check_expr(panel.expr, known, variables)]
        if not found:
            found = list(promql.check_expr(dash.plausible(panel.expr, model), model, known))
        for problem in found[:3]:
            yield src.diag(("panels", panel.name, "expr"), "custom-promql", f"panel {panel.name}: {problem}")


@rule("custom-record-name", "A hand-written recording rule does not take the name of a generated one or a metric.")
def _custom_record_name(model: Model, src: Source) -> Iterator[Diagnostic]:
    if not model.recording_rules:
        return
    from ..backends.prometheus import build

    generated = {r.record for groups in build(replace(model, recording_rules=())).values()
                 for g in groups for r in g.rules if r.record}
    series = {s for m in model.metrics for s in m.series}
    for record in model.recording_rules:
        if record.name in generated or record.name in series:
            what = "a generated recording rule" if record.name in generated else "a metric's series"
            yield src.diag(("recording_rules", record.name), "custom-record-name",
                           f"'{record.name}' is already {what}; give the hand-written rule its own "
                           f"level:metric:operations name (e.g. {naming.prom_base(model.project.metric_prefix)}:...)",
                           key=True)
