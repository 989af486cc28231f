"""Lint rules for deprecations (`deprecated: {since, replacement, remove_after}`).

A deprecation must point at a real successor, keep its dates in order, and be acted on: once
`remove_after` has passed, lint warns until the item is removed; SLOs and alerts still built on
a deprecated metric are flagged, since they go dark when it is removed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..diagnostics import Diagnostic
from ..spec import lifecycle
from ..spec.lifecycle import Deprecation
from ..spec.loader import Source
from ..spec.model import Model
from .registry import rule
from .renames import field_groups


@dataclass(frozen=True)
class Deprecated:
    """One deprecated item: its kind, name, spec path, declaration and the names its replacement may take."""

    kind: str  # metric, tag, header, log field
    name: str
    path: tuple[str, ...]
    dep: Deprecation
    candidates: dict[str, Deprecation | None]  # names of items of the same kind -> their own deprecation


def deprecated_items(model: Model) -> Iterator[Deprecated]:
    """Every deprecated metric, tag, header and log field of the model, in spec order."""
    metrics = {m.key: m.deprecated for m in model.metrics}
    for m in model.metrics:
        if m.deprecated is not None:
            yield Deprecated("metric", m.key, ("metrics", m.key), m.deprecated, metrics)
    tags = {t.name: t.deprecated for t in model.tags}
    for t in model.tags:
        if t.deprecated is not None:
            yield Deprecated("tag", t.name, ("tags", t.name), t.deprecated, tags)
    headers = {h.name.lower(): h.deprecated for h in model.headers}
    for h in model.headers:
        if h.deprecated is not None:
            yield Deprecated("header", h.name, ("headers", h.name), h.deprecated, headers)
    for prefix, fields in field_groups(model):
        names = {f.name: f.deprecated for f in fields}
        for f in fields:
            if f.deprecated is not None:
                yield Deprecated("log field", f.name, (*prefix, f.name), f.deprecated, names)


@rule("deprecated-replacement", "A deprecation's `replacement` names another, non-deprecated item of the same kind.")
def _replacement(model: Model, src: Source) -> Iterator[Diagnostic]:
    for item in deprecated_items(model):
        new = item.dep.replacement
        if new is None:
            continue
        key = new.lower() if item.kind == "header" else new
        path = (*item.path, "deprecated", "replacement")
        if key == (item.name.lower() if item.kind == "header" else item.name):
            yield src.diag(path, "deprecated-replacement", f"{item.kind} '{item.name}' cannot replace itself")
        elif key not in item.candidates:
            yield src.diag(path, "deprecated-replacement", f"the replacement '{new}' is not a {item.kind} "
                           + ("of the same group" if item.kind == "log field" else "of this spec"))
        elif item.candidates[key] is not None:
            yield src.diag(path, "deprecated-replacement",
                           f"the replacement '{new}' is deprecated too; point at the item to move to")


@rule("deprecated-dates", "A deprecation's `remove_after` is a real date, not before its `since` date.")
def _dates(model: Model, src: Source) -> Iterator[Diagnostic]:
    for item in deprecated_items(model):
        since, after = lifecycle.as_date(item.dep.since), lifecycle.as_date(item.dep.remove_after)
        if item.dep.remove_after is not None and after is None:
            yield src.diag((*item.path, "deprecated", "remove_after"), "deprecated-dates",
                           f"'{item.dep.remove_after}' is not a calendar date")
        elif since is not None and after is not None and after < since:
            yield src.diag((*item.path, "deprecated", "remove_after"), "deprecated-dates",
                           f"remove_after {item.dep.remove_after} is before since {item.dep.since}")


@rule("deprecated-expired", "A deprecated item is still in the spec after its `remove_after` date "
      "(today is SOURCE_DATE_EPOCH's date when set).", severity="warning")
def _expired(model: Model, src: Source) -> Iterator[Diagnostic]:
    today = lifecycle.today()
    for item in deprecated_items(model):
        if lifecycle.expired(item.dep, today):
            move = f"; readers should have moved to '{item.dep.replacement}'" if item.dep.replacement else ""
            yield src.diag((*item.path, "deprecated", "remove_after"), "deprecated-expired",
                           f"{item.kind} '{item.name}' was due for removal after {item.dep.remove_after}{move}: "
                           "remove it (`obs-codegen diff` accepts the removal) or extend remove_after", severity="warning")


@rule("deprecated-in-use", "An SLO or alert is built on a deprecated metric: it goes dark when the metric is removed.",
      severity="warning")
def _in_use(model: Model, src: Source) -> Iterator[Diagnostic]:
    for kind, items in (("slos", model.slos), ("alerts", model.alerts)):
        for item in items:
            for m in dict.fromkeys(item.metrics):
                if m.deprecated is not None:
                    move = f" to '{m.deprecated.replacement}'" if m.deprecated.replacement else ""
                    yield src.diag((kind, item.name), "deprecated-in-use",
                                   f"{'SLO' if kind == 'slos' else 'alert'} '{item.name}' reads deprecated "
                                   f"metric '{m.key}'; move it{move} before the metric is removed",
                                   severity="warning", key=True)
