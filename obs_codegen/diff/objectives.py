"""Change rules for SLOs and alerts: what on-call, silences and dashboards refer to by name."""

from __future__ import annotations

from collections.abc import Iterator

from ..backends.promql import rounded_number
from ..spec.model import SLO
from .registry import Change, Pair, change_rule, match, removed


def _period_minutes(period: str) -> float:
    from ..spec.naming import duration_seconds

    return duration_seconds(period) / 60


def _budget(slo: SLO, env: str) -> str:
    """`40.3 min of errors per 28d`: the error budget of `slo` in `env`."""
    objective = dict(slo.objective.values).get(env, 100.0)
    return f"{rounded_number(round(_period_minutes(slo.period) * (100 - objective) / 100, 1))} min per {slo.period}"


@change_rule("slo-removed", "queries", "error", "An SLO is gone: its recording rules, alerts and overview panels go.")
def _slo_removed(pair: Pair) -> Iterator[Change]:
    for s in match(pair.old.slos, pair.new.slos, lambda s: s.name).removed:
        yield removed(s.pos, "slo-removed", s.name,
                      f"SLO '{s.name}' was removed: its recording rules and burn-rate alerts go, and queries, silences "
                      f"and dashboards that name slo=\"{s.name}\" find nothing")


@change_rule("slo-changed", "queries", "info", "An SLO's objective or period changed: its error budget changes.")
def _slo_changed(pair: Pair) -> Iterator[Change]:
    for old, new in match(pair.old.slos, pair.new.slos, lambda s: s.name).both:
        if old.objective != new.objective or old.period != new.period:
            envs = [e for e in pair.new.project.environments if _budget(old, e) != _budget(new, e)]
            same = new.objective.uniform is not None and old.objective.uniform is not None
            effects = (f"{_budget(old, envs[0])} -> {_budget(new, envs[0])}" if same and envs
                       else "; ".join(f"{e}: {_budget(old, e)} -> {_budget(new, e)}" for e in envs) or "unchanged")
            yield Change(new.pos, "slo-changed", new.name,
                         f"SLO '{new.name}' changed ({_objective(old)} over {old.period} -> {_objective(new)} over "
                         f"{new.period}); error budget {effects}")


def _objective(slo: SLO) -> str:
    values = sorted({v for _, v in slo.objective.values})
    return "/".join(f"{rounded_number(v)}%" for v in values)


@change_rule("alert-removed", "queries", "error",
             "An alert is gone or renamed: silences, inhibitions, routes and dashboards refer to alert names.")
def _alert_removed(pair: Pair) -> Iterator[Change]:
    for a in match(pair.old.alerts, pair.new.alerts, lambda a: a.name).removed:
        yield removed(a.pos, "alert-removed", a.name,
                      f"alert '{a.name}' was removed or renamed: silences, routes and dashboards that name "
                      f"alertname=\"{a.name}\" no longer match")
