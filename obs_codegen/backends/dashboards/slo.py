"""The SLO overview: objective, SLI, error budget and burn rate per SLO, and cost per active user."""

from __future__ import annotations

from dataclasses import replace

from ...spec import naming
from ...spec.model import SLO, Alert, Model
from .. import promql
from ..prometheus import slo_alert_names
from .common import BURN_WINDOWS, SEVERITY_COLOR, Draft, Mark, describe, env_tag, per_env_text
from .layout import Plan, plan, var_datasource, var_query

# --- SLO overview ---------------------------------------------------------------------

def slo_dashboard(model: Model) -> Plan:
    env = env_tag(model)
    env_label = env.label if env is not None else "env"
    sections = [(f"SLO {slo.name} ({model.service(slo.service).title})",
                 [replace(d, alerts=_slo_alerts(slo)) for d in _slo_drafts(model, slo, env_label)])
                for slo in model.slos]
    cost = [replace(d, alerts=(a.name,)) for a in model.alerts if a.kind == "cost_per_user"
            for d in _cost_drafts(model, a, env_label)]
    if cost:
        sections.append(("Cost per daily active user", cost))
    # The env values come from a record this dashboard reads: the SLO objective, or (no SLOs) the cost ratio.
    cost_alert = next((a for a in model.alerts if a.kind == "cost_per_user" and a.cost is not None), None)
    source = (naming.SLO_OBJECTIVE_RECORD if model.slos or cost_alert is None
              else naming.per_user_record(cost_alert.cost.base_name))  # type: ignore[union-attr]
    variables = [var_datasource(), var_query(env_label, "Environment", f"label_values({source}, {env_label})",
                                               multi=False)]
    return plan(
        model, model.slo_overview_uid, f"{model.project.title} / SLO overview",
        "Objective, current SLI, remaining error budget and burn rate of every SLO, read from the recording rules "
        "that the Prometheus rules generated from the same spec; plus daily cost per active user.",
        ["slo"], sections, variables)


def _slo_alerts(slo: SLO) -> tuple[str, ...]:
    names = slo_alert_names(slo)
    return (names["page"], names["ticket"]) + ((names["absent"],) if slo.absent_alert else ())


def _slo_drafts(model: Model, slo: SLO, env_label: str) -> list[Draft]:
    sel = f'{{{naming.SLO_LABEL}={promql.string(slo.name)}, {env_label}="${env_label}"}}'
    target = Mark.of(model, slo.objective, "green", "", scale=0.01)
    sli = f"1 - {naming.slo_error_ratio_record(slo.period)}{sel}"
    windows = [w for w in BURN_WINDOWS if w in naming.slo_windows(slo.period)]
    on = f"on ({naming.SLO_LABEL}, {env_label})"
    burn = [(f"{naming.slo_error_ratio_record(w)}{sel} / {on} (1 - {naming.SLO_OBJECTIVE_RECORD}{sel})", f"{w} window")
            for w in windows]
    return [
        Draft("stat", f"{slo.name} objective", describe(slo.description, [], f"Target share of good events over "
               f"{slo.period}."), "percentunit", [(f"{naming.SLO_OBJECTIVE_RECORD}{sel}", "objective")],
               width=4, height=6, instant=True, decimals=2, base_color="blue"),
        Draft("stat", f"{slo.name} SLI ({slo.period})", describe(
            f"Share of good events over the last {slo.period}", [],
            f"Green at or above the objective {per_env_text(slo.objective)}%"
            + (" (per environment: shown without colour)." if target.per_env else ".")), "percentunit", [(sli, "SLI")],
            width=5, height=6, instant=True, decimals=3, marks=[target], base_color="red"),
        Draft("stat", f"{slo.name} error budget left", describe(
            f"Share of the {slo.period} error budget not yet spent (below 0: overspent)", [],
            "Red below 0, orange below 25%."), "percentunit",
            [(f"{naming.SLO_BUDGET_REMAINING_RECORD}{sel}", "budget left")], width=5, height=6, instant=True,
            decimals=1, marks=[Mark(0, "orange", ""), Mark(0.25, "green", "")], base_color="red"),
        Draft("timeseries", f"{slo.name} burn rate", describe(
            f"Error ratio divided by the error budget (1 - objective) over {', '.join(windows)}", [],
            f"At 1 the budget runs out exactly at the end of the {slo.period} period."),
            "none", burn, width=10, height=6, marks=[Mark(1, "red", "")]),
    ]


def _cost_drafts(model: Model, alert: Alert, env_label: str) -> list[Draft]:
    assert alert.cost is not None and alert.users is not None and alert.budget is not None
    record = naming.per_user_record(alert.cost.base_name)
    sel = f'{record}{{{env_label}="${env_label}"}}'
    mark = Mark.of(model, alert.budget.value, SEVERITY_COLOR[alert.severity],
                   f"Line: budget {alert.budget.name}, {per_env_text(alert.budget.value)} cents; alert {alert.name} "
                   f"({alert.severity}) when the {alert.average_over} average is above it for {alert.for_}.",
                   scale=0.01, name=f"{alert.budget.name} budget")
    why = (f"Daily increase of {alert.cost.key} divided by {alert.users.key}; cents shown as US dollars. "
           f"{alert.budget.description}")
    average = f"avg_over_time({sel}[{alert.average_over}]) / 100"
    return [
        Draft("timeseries", f"{alert.cost.key} per active user per day", describe(why, [mark]), "currencyUSD",
               [(f"{sel} / 100", "daily"), (average, f"{alert.average_over} average")], width=18, marks=[mark]),
        Draft("stat", f"{alert.cost.key} per active user ({alert.average_over} average)",
               describe(why, [mark]), "currencyUSD", [(average, "average")], width=6, instant=True, decimals=3,
               marks=[mark]),
    ]
