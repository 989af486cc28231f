"""Resolution of budgets, SLOs and alerts (thresholds per environment, owners, traffic guards)."""

from __future__ import annotations

from typing import Any

from .model import SLO, Alert, Budget, PerEnv
from .resolver import Resolver, _d, _num, _s


def _budgets(r: Resolver) -> None:
    budgets = {}
    for name, b in _d(r.data, "budgets").items():
        if isinstance(b, dict):
            value = r.per_env(b.get("value"), ("budgets", name, "value"))
            if value is not None:
                budgets[name] = Budget(name, _s(b, "description"), _s(b, "unit"), value, r.pos("budgets", name))
    r.parts["budgets"] = budgets


def _slos(r: Resolver) -> None:
    slos = []
    for name, s in _d(r.data, "slos").items():
        if not isinstance(s, dict):
            continue
        path = ("slos", name)
        service = r.service_ref(s.get("service"), path + ("service",))
        objective = r.per_env(s.get("objective"), path + ("objective",))
        ratio, latency = _d(s, "ratio"), _d(s, "latency")
        errors = total = lat = None
        threshold = None
        if ratio:
            kind = "ratio"
            errors = r.metric_ref(ratio.get("errors"), path + ("ratio", "errors"))
            total = r.metric_ref(ratio.get("total"), path + ("ratio", "total"))
            ok = errors is not None and total is not None
        elif latency:
            kind = "latency"
            lat = r.metric_ref(latency.get("metric"), path + ("latency", "metric"))
            threshold = _num(latency.get("threshold"))
            ok = lat is not None and threshold is not None
        else:
            r.error(path, "ref-slo-kind", f"SLO '{name}' needs `ratio:` or `latency:`", key=True)
            ok = False
        flt = r.filter(s.get("filter"), path + ("filter",))
        if not ok or objective is None:
            continue
        slos.append(SLO(
            name=name, service=service, description=_s(s, "description"), period=_s(s, "period", "28d"),
            objective=objective, kind=kind, errors=errors, total=total, latency_metric=lat,  # type: ignore[arg-type]
            threshold=threshold, filter=flt,
            min_requests_per_hour=_num(s.get("min_requests_per_hour")) or 0.0,
            absent_alert=bool(s.get("absent_alert", True)), pos=r.pos(*path), owner=_owner(r, s, service),
        ))
    r.parts["slos"] = tuple(slos)


def _alerts(r: Resolver) -> None:
    alerts = []
    for name, a in _d(r.data, "alerts").items():
        if not isinstance(a, dict):
            continue
        path = ("alerts", name)
        service = r.service_ref(a.get("service"), path + ("service",))
        extra: dict[str, Any] = {}
        budget = None
        threshold: PerEnv | None
        if "absent" in a:
            threshold = PerEnv(tuple((e, 0.0) for e in r.parts["project"].environments))  # no threshold: absence
        elif "above_budget" in a:
            budget = r.parts["budgets"].get(a["above_budget"]) if isinstance(a["above_budget"], str) else None
            if budget is None:
                r.unknown(path + ("above_budget",), "budget", a["above_budget"], r.parts["budgets"])
            threshold = budget.value if budget else None
        elif "below" in a and "above" not in a:
            threshold = r.per_env(a.get("below"), path + ("below",))
            extra["direction"] = "below"
        else:
            threshold = r.per_env(a.get("above"), path + ("above",))
            if "above" not in a:
                r.error(path, "ref-alert-threshold", f"alert '{name}' needs `above:`, `below:` or `above_budget:`",
                        key=True)
        ok = True
        if "quantile" in a:
            kind, q = "quantile", _d(a, "quantile")
            extra["metric"] = r.metric_ref(q.get("metric"), path + ("quantile", "metric"))
            extra["q"] = _num(q.get("q"))
            extra["filter"] = r.filter(q.get("filter"), path + ("quantile", "filter"))
            extra["by"] = r.tag_list(q.get("by"), path + ("quantile", "by"))
            extra["min_requests"] = _min_requests(q)
            ok = extra["metric"] is not None
        elif "ratio" in a:
            kind, q = "ratio", _d(a, "ratio")
            extra["numerator"] = r.metric_ref(q.get("numerator"), path + ("ratio", "numerator"))
            extra["denominator"] = r.metric_ref(q.get("denominator"), path + ("ratio", "denominator"))
            extra["numerator_filter"] = r.filter(q.get("numerator_filter"), path + ("ratio", "numerator_filter"))
            extra["filter"] = r.filter(q.get("filter"), path + ("ratio", "filter"))
            extra["by"] = r.tag_list(q.get("by"), path + ("ratio", "by"))
            extra["min_requests"] = _min_requests(q)
            ok = extra["numerator"] is not None and extra["denominator"] is not None
        elif "gauge" in a:
            kind, q = "gauge", _d(a, "gauge")
            extra["metric"] = r.metric_ref(q.get("metric"), path + ("gauge", "metric"))
            extra["filter"] = r.filter(q.get("filter"), path + ("gauge", "filter"))
            extra["by"] = r.tag_list(q.get("by"), path + ("gauge", "by"))
            ok = extra["metric"] is not None
        elif "absent" in a:
            kind, q = "absent", _d(a, "absent")
            extra["metric"] = r.metric_ref(q.get("metric"), path + ("absent", "metric"))
            extra["filter"] = r.filter(q.get("filter"), path + ("absent", "filter"))
            ok = extra["metric"] is not None
        elif "cost_per_user" in a:
            kind, q = "cost_per_user", _d(a, "cost_per_user")
            extra["cost"] = r.metric_ref(q.get("cost"), path + ("cost_per_user", "cost"))
            extra["users"] = r.metric_ref(q.get("users"), path + ("cost_per_user", "users"))
            extra["average_over"] = _s(q, "average_over", "3d")
            extra["min_users"] = _num(q.get("min_users")) or 1.0
            ok = extra["cost"] is not None and extra["users"] is not None
        else:
            r.error(path, "ref-alert-kind", f"alert '{name}' needs `quantile:`, `ratio:`, `gauge:`, `absent:` or `cost_per_user:`",
                    key=True)
            continue
        if not ok or threshold is None:
            continue
        description = _s(a, "description")
        summary = _s(a, "summary") or description.split(";")[0].rstrip(".") + "."
        severity = a.get("severity")
        per_env = tuple((e, v) for e, v in severity.items() if isinstance(v, str)) if isinstance(severity, dict) else ()
        declared = severity if isinstance(severity, str) else ("page" if any(v == "page" for _, v in per_env) else "ticket")
        alerts.append(Alert(
            name=name, service=service, severity=declared, severity_per_env=per_env,  # type: ignore[arg-type]
            owner=_owner(r, a, service),
            description=description, summary=summary, kind=kind, for_=_s(a, "for", "5m"),  # type: ignore[arg-type]
            threshold=threshold, budget=budget, pos=r.pos(*path), **extra,
        ))
    r.parts["alerts"] = tuple(alerts)


def _owner(r: Resolver, item: dict[str, Any], service: str) -> str:
    """An alert's owner: its own `owner`, else its service's, else the project name."""
    if isinstance(item.get("owner"), str):
        return str(item["owner"])
    svc = r.parts["services"].get(service)
    return str(svc.owner) if svc is not None and svc.owner else str(r.parts["project"].name)


# Events in a threshold alert's 5-minute rate window below which it stays quiet (4 a minute):
# one call a minute with four failures is noise, not an incident. `min_requests: 0` turns it off.
DEFAULT_MIN_REQUESTS = 20.0


def _min_requests(q: dict[str, Any]) -> float:
    value = _num(q.get("min_requests"))
    return DEFAULT_MIN_REQUESTS if value is None else value
