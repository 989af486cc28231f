"""The spec schema's budgets, SLOs and alerts sections."""

from __future__ import annotations

from typing import Any

from .schema_parts import DESC, DURATION, FILE_NAME_MAX, FILTER, KEBAB, NAME, OWNER, PER_ENV_NUMBER, _list, _map, _obj, _str

SECTIONS: dict[str, Any] = {
        "budgets": _map(
            _obj({"description": DESC, "unit": _str("Unit of the value."), "value": PER_ENV_NUMBER},
                 ("description", "unit", "value")),
            NAME,
            "Named budgets that alerts compare against.",
        ),
        "slos": _map(
            _obj(
                {
                    "service": _str("Owning service."),
                    "description": DESC,
                    "period": _str("SLO period, e.g. 28d.", pattern=DURATION),
                    "objective": {**PER_ENV_NUMBER, "description": "Target in percent (e.g. 99.5), or per environment."},
                    "ratio": _obj(
                        {"errors": _str("Counter of bad events."), "total": _str("Counter of all events.")},
                        ("errors", "total"),
                        "Availability SLO: errors / total.",
                    ),
                    "latency": _obj(
                        {
                            "metric": _str("Histogram of the latency."),
                            "threshold": {"type": "number", "description": "Good if at or under this (a bucket bound)."},
                        },
                        ("metric", "threshold"),
                        "Latency SLO: share of events at or under a threshold.",
                    ),
                    "filter": FILTER,
                    "owner": OWNER,
                    "min_requests_per_hour": {
                        "type": "number",
                        "minimum": 0,
                        "description": "Below this traffic, burn-rate alerts stay quiet.",
                    },
                    "absent_alert": {"type": "boolean",
                                     "description": "Alert per environment when its SLI inputs vanish (default true)."},
                },
                ("service", "description", "objective"),
            ),
            KEBAB,
            "Service level objectives; each gets recording rules and burn-rate alerts.",
            FILE_NAME_MAX,
        ),
        "alerts": _map(
            _obj(
                {
                    "service": _str("Owning service."),
                    "severity": {
                        "description": "page or ticket, or a map from environment to either. `page` pages only in "
                                       "project.alerting.page_environments (default: the first environment).",
                        "anyOf": [{"enum": ["page", "ticket"]},
                                  {"type": "object", "additionalProperties": {"enum": ["page", "ticket"]}}],
                    },
                    "owner": OWNER,
                    "description": DESC,
                    "summary": _str("One-line summary (default: derived from the description)."),
                    "quantile": _obj(
                        {
                            "metric": _str("Histogram."),
                            "q": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                            "filter": FILTER,
                            "by": _list({"type": "string"}, "Tags to alert per value of.", uniqueItems=True),
                            "min_requests": {"type": "number", "minimum": 0, "description":
                                             "Events in the 5-minute rate window below which the alert stays quiet "
                                             "(default 20; 0 turns the guard off)."},
                        },
                        ("metric", "q"),
                        "Alert when a quantile of a histogram is above (or below) the threshold.",
                    ),
                    "ratio": _obj(
                        {
                            "numerator": _str("Counter of bad events."),
                            "numerator_filter": FILTER,
                            "denominator": _str("Counter of all events."),
                            "filter": FILTER,
                            "by": _list({"type": "string"}, "Tags to alert per value of.", uniqueItems=True),
                            "min_requests": {"type": "number", "minimum": 0, "description":
                                             "Events in the 5-minute rate window below which the alert stays quiet "
                                             "(default 20; 0 turns the guard off)."},
                        },
                        ("numerator", "denominator"),
                        "Alert when numerator/denominator is above (or below) the threshold.",
                    ),
                    "gauge": _obj(
                        {
                            "metric": _str("Gauge."),
                            "filter": FILTER,
                            "by": _list({"type": "string"}, "Tags to alert per value of.", uniqueItems=True),
                        },
                        ("metric",),
                        "Alert when a gauge (combined across instances by its `aggregation`) is above (or below) the "
                        "threshold.",
                    ),
                    "absent": _obj(
                        {
                            "metric": _str("Any metric: a counter, gauge or histogram (its _count series)."),
                            "filter": FILTER,
                        },
                        ("metric",),
                        "Alert per environment when the metric has no series there for `for:` (a stopped exporter, "
                        "a broken relabelling or scrape): no threshold.",
                    ),
                    "cost_per_user": _obj(
                        {
                            "cost": _str("Cost counter."),
                            "users": _str("Gauge of daily active users."),
                            "average_over": _str("Moving-average window.", pattern=DURATION),
                            "min_users": {"type": "number", "exclusiveMinimum": 0, "description":
                                          "Fewer daily active users than this (an implausible reading) make the "
                                          "ratio absent instead of huge (default 1)."},
                        },
                        ("cost", "users", "average_over"),
                        "Alert when daily cost per daily active user, averaged, is above a budget.",
                    ),
                    "above": {**PER_ENV_NUMBER, "description": "Fire while the value is above this (or per environment)."},
                    "below": {**PER_ENV_NUMBER, "description": "Fire while the value is below this (or per environment): "
                                                               "a success ratio, a worker count."},
                    "above_budget": _str("Name of a budget to compare against."),
                    "for": _str("How long the condition must hold.", pattern=DURATION),
                },
                ("service", "severity", "description", "for"),
            ),
            r"^[A-Z][A-Za-z0-9]*$",
            "Threshold alerts, by CamelCase name.",
            FILE_NAME_MAX,
        ),
}
