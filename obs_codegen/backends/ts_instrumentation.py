"""The context of the TypeScript instrumentation modules: `labels`, `instrumentation` (prom-client), `otel`.

One description per service with metrics serves all three: the `<Service>Metrics` interface, and per
metric its constant (`NEXT_REQUEST_COUNT`, the client object's field), its recording method
(`nextRequestCount`, lower camel case of the constant), the name prom-client is given (counters
with `_total`, which prom-client never appends; the base name otherwise), and its labels with the
TypeScript type of each (the enum tag's value union, else `string`). The run-time label checks
(`labels.js`) get each label's allowed values, or its portable pattern and `max_values` budget.
Identifiers are claimed per module, so a collision is a lint diagnostic, not broken code.
"""

from __future__ import annotations

from typing import Any

from ..spec.model import Model
from .identifiers import IdentifierTable, pascal_case, portable_pattern

# Names the instrumentation modules define themselves.
LABELS_BUILTINS = ("LabelValueError", "LabelCheck", "LABEL_CHECKS", "setLabelChecks", "checkLabels", "BoundCounter",
                   "BoundGauge", "BoundHistogram", "LabelChecks")
INSTRUMENTATION_BUILTINS = ("ServiceName", "createMetrics", "Counter", "Gauge", "Histogram", "Registry", "register",
                            "METRICS", "checkLabels", "SERVICES", "KINDS")
OTEL_BUILTINS = ("ServiceName", "createOtelMetrics", "METER_NAME", "PROMETHEUS_EXPORTER_OPTIONS", "Meter", "metrics",
                 "METRICS", "checkLabels", "SERVICES", "BoundCounter", "BoundGauge", "BoundHistogram", "Counter",
                 "Gauge", "Histogram", "bound")


def _camel(constant: str) -> str:
    """`NEXT_REQUEST_COUNT` -> `nextRequestCount`: the type-name rule (`pascal_case`) with a lower-case first letter."""
    pascal = pascal_case(constant.lower())
    return pascal[:1].lower() + pascal[1:]


def instrumentation_view(model: Model, ctx: dict[str, Any]) -> dict[str, Any]:
    """`services` (each with its metrics), `label_checks` (metric key -> label -> check) and the enum
    value types the declaration files import from `metrics`."""
    names = ctx["names"]
    modules = {m: IdentifierTable.for_module("typescript", f"{m} module", b)
               for m, b in (("instrumentation", INSTRUMENTATION_BUILTINS), ("otel", OTEL_BUILTINS))}
    services: list[dict[str, Any]] = []
    checks: dict[str, dict[str, dict[str, Any]]] = {}
    imports: set[str] = set()
    for s in model.services:
        metrics = model.metrics_for(s.name)
        if not metrics:
            continue
        iface = pascal_case(s.name, "Metrics")
        for table in modules.values():
            table.claim(iface, f"service '{s.name}'", s.pos)
        members = IdentifierTable.for_module("typescript", f"{iface} interface")
        rows = []
        for m in metrics:
            const = names.metrics[m.key]
            members.claim(const, f"metric '{m.key}'", m.pos)
            method = members.claim(_camel(const), f"metric '{m.key}'", m.pos)
            alias = names.renamed.get(m.key)  # a renamed metric keeps its former field and method, deprecated
            if alias is not None:
                members.claim(alias, f"former metric name '{m.renamed_from}'", m.pos)
                members.claim(_camel(alias), f"former metric name '{m.renamed_from}'", m.pos)
            checks[m.key] = {}  # every metric has an entry, a labelless one too (its label set is empty)
            labels = []
            for t in m.tags:
                if t.kind == "enum":
                    imports.add(names.tag_types[t.name])
                    labels.append({"label": t.label, "type": names.tag_types[t.name]})
                    check: dict[str, Any] = {"values": list(t.values)}
                else:
                    labels.append({"label": t.label, "type": "string"})
                    check = {"maxValues": t.max_values}
                    if t.pattern is not None:
                        check["pattern"] = portable_pattern(t.pattern, f"tag '{t.name}'", t.pos)
                checks[m.key][t.label] = check
            rows.append({"spec": m, "const": const, "method": method, "labels": labels,
                         "client_name": m.prom_client_name, "alias": alias,
                         "alias_method": _camel(alias) if alias is not None else None,
                         "rename_note": (f"metric '{m.renamed_from}' was renamed to '{m.key}'; use {_camel(const)}()."
                                         if alias is not None else None)})
        services.append({"name": s.name, "title": s.title, "iface": iface, "metrics": rows})
    return {"ts_services": services, "label_checks": checks,
            "instrumentation_imports": sorted(imports)}
