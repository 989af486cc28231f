"""Combinations the spec language would otherwise accept silently: one key ignored, a meaningless bound.

Each rule reads the spec as written (the model has already dropped the ignored key), so it can
point at the key that has no effect: `type` next to `tag`, `above` next to `above_budget`,
`max_length` on an integer, `min` above `max`, an objective written as a fraction.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeGuard

from ..diagnostics import Diagnostic
from ..spec.loader import Source
from ..spec.model import Model
from .registry import rule

# What each option of a log field applies to: the field's own `type`, once known.
_STRING = ("string",)
_NUMBER = ("integer", "number")
_APPLIES: dict[str, tuple[str, ...]] = {
    "max_length": _STRING, "pattern": _STRING, "min": _NUMBER, "max": _NUMBER, "unit": _NUMBER, "values": ("enum",),
}


def _items(node: Any) -> Iterator[tuple[str, Any]]:
    return iter(node.items()) if isinstance(node, dict) else iter(())


def _field_maps(src: Source) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """(path, raw field) of every log field: envelope, objects and events."""
    logs = src.data.get("logs") if isinstance(src.data, dict) else None
    if not isinstance(logs, dict):
        return
    groups: list[tuple[tuple[Any, ...], Any]] = [(("logs", "envelope"), logs.get("envelope"))]
    groups += [(("logs", "objects", k, "fields"), o.get("fields")) for k, o in _items(logs.get("objects"))
               if isinstance(o, dict)]
    groups += [(("logs", "events", k, "fields"), e.get("fields")) for k, e in _items(logs.get("events"))
               if isinstance(e, dict)]
    for base, fields in groups:
        for name, f in _items(fields):
            if isinstance(f, dict):
                yield base + (name,), f


def _number(v: Any) -> TypeGuard[int | float]:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@rule("field-source-conflict", "A log field takes its type from one of `type`, `tag` and `object`, not two.")
def _source_conflict(model: Model, src: Source) -> Iterator[Diagnostic]:
    for path, f in _field_maps(src):
        given = [k for k in ("tag", "object", "type") if k in f]
        if len(given) > 1:
            used, ignored = given[0], given[1:]
            for key in ignored:
                yield src.diag(path + (key,), "field-source-conflict",
                               f"`{key}` has no effect next to `{used}`, which gives the field its type: "
                               f"remove `{key}`", key=True)


@rule("field-option-type", "A log field's options fit its type (max_length, pattern: strings; min, max, unit: "
      "numbers).")
def _option_type(model: Model, src: Source) -> Iterator[Diagnostic]:
    raw_tags = src.data.get("tags") if isinstance(src.data, dict) else None
    tags = raw_tags if isinstance(raw_tags, dict) else {}
    for path, f in _field_maps(src):
        if "tag" in f or "object" in f:
            tag = tags.get(f["tag"]) if "tag" in f and isinstance(f["tag"], str) else None
            string_tag = isinstance(tag, dict) and tag.get("type", "string") == "string"
            what = f"tag '{f['tag']}'" if "tag" in f else "an object"
            for key in _APPLIES:
                if key in f and not (string_tag and key in ("max_length", "pattern")):
                    yield src.diag(path + (key,), "field-option-type",
                                   f"`{key}` has no effect on a field whose type comes from {what}"
                                   + (" (only a string tag's field takes `max_length` and `pattern`)" if "tag" in f
                                      else ""), key=True)
            continue
        ftype = f.get("type", "string")
        if not isinstance(ftype, str):
            continue
        for key, types in _APPLIES.items():
            if key in f and ftype not in types:
                yield src.diag(path + (key,), "field-option-type",
                               f"`{key}` has no effect on a field of type {ftype}; it applies to "
                               f"{' and '.join(types)} fields", key=True)


@rule("field-range", "A log field's `min` is at most its `max`.")
def _range(model: Model, src: Source) -> Iterator[Diagnostic]:
    for path, f in _field_maps(src):
        lo, hi = f.get("min"), f.get("max")
        if _number(lo) and _number(hi) and lo > hi:
            yield src.diag(path + ("min",), "field-range",
                           f"min {lo} is greater than max {hi}: no value is valid", key=True)


@rule("alert-threshold-conflict", "An alert sets one of `above`, `below`, `above_budget` (a cost alert no `below`, "
      "an absent alert none).")
def _threshold_conflict(model: Model, src: Source) -> Iterator[Diagnostic]:
    alerts = src.data.get("alerts") if isinstance(src.data, dict) else None
    for name, a in _items(alerts):
        if not isinstance(a, dict):
            continue
        if "above" in a and "above_budget" in a:
            yield src.diag(("alerts", name, "above"), "alert-threshold-conflict",
                           f"alert '{name}' sets both `above` and `above_budget`; the budget is the threshold and "
                           "`above` has no effect: remove one", key=True)
        if "absent" in a:
            for key in ("above", "below", "above_budget"):
                if key in a:
                    yield src.diag(("alerts", name, key), "alert-threshold-conflict",
                                   f"alert '{name}' fires when its metric has no series; `{key}` has no effect on an "
                                   "absent alert: remove it", key=True)
            continue
        if "below" in a and ("above" in a or "above_budget" in a):
            other = "above" if "above" in a else "above_budget"
            yield src.diag(("alerts", name, "below"), "alert-threshold-conflict",
                           f"alert '{name}' sets both `{other}` and `below`; one alert fires on one side of one "
                           "threshold: keep one (or write two alerts)", key=True)
        elif "below" in a and "cost_per_user" in a:
            yield src.diag(("alerts", name, "below"), "alert-threshold-conflict",
                           f"alert '{name}': a cost-per-user alert fires over a budget; `below` is not one of its "
                           "thresholds: use `above` or `above_budget`", key=True)


@rule("spec-builtin-redefined", "A declared unit or header group does not take a built-in one's name.")
def _builtin_redefined(model: Model, src: Source) -> Iterator[Diagnostic]:
    from ..spec import units
    from ..spec.model import BUILTIN_HEADER_GROUPS

    data = src.data if isinstance(src.data, dict) else {}
    for name, _ in _items(data.get("units")):
        if units.known(name):
            yield src.diag(("units", name), "spec-builtin-redefined",
                           f"'{name}' is a built-in unit (obs_codegen/spec/units.json); a declared unit needs a new "
                           "name, or every metric in it would change its Grafana unit", key=True)
    for name, _ in _items(data.get("header_groups")):
        if name in BUILTIN_HEADER_GROUPS:
            yield src.diag(("header_groups", name), "spec-builtin-redefined",
                           f"'{name}' is a built-in header group; declare only new groups", key=True)


@rule("slo-objective-fraction", "An objective is a percent (99.9), so a value below 1 was probably meant as a "
      "fraction.", "warning")
def _objective_fraction(model: Model, src: Source) -> Iterator[Diagnostic]:
    slos = src.data.get("slos") if isinstance(src.data, dict) else None
    for name, s in _items(slos):
        objective = s.get("objective") if isinstance(s, dict) else None
        values = [((), objective)] if _number(objective) else [((env,), v) for env, v in _items(objective)]
        for sub, v in values:
            if _number(v) and 0 < v < 1:
                yield src.diag(("slos", name, "objective") + sub, "slo-objective-fraction",
                               f"objective {v} is {v}% (a percent, like 99.9); did you mean {v * 100:g}?",
                               "warning")
