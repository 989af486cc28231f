"""Budgets, SLOs and threshold alerts in the model (re-exported by `model`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from . import naming
from .model import Filter, Metric, PerEnv, Pos, Tag


@dataclass(frozen=True)
class Budget:
    name: str
    description: str
    unit: str
    value: PerEnv
    pos: Pos




@dataclass(frozen=True)
class SLO:
    name: str
    service: str
    description: str
    period: str
    objective: PerEnv  # percent
    kind: Literal["ratio", "latency"]
    errors: Metric | None
    total: Metric | None
    latency_metric: Metric | None
    threshold: float | None
    filter: Filter
    min_requests_per_hour: float
    absent_alert: bool
    pos: Pos
    owner: str = ""

    @property
    def anchor(self) -> str:
        return naming.anchor("slo", self.name)

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return tuple(m for m in (self.errors, self.total, self.latency_metric) if m is not None)


@dataclass(frozen=True)
class Alert:
    name: str
    service: str
    severity: Literal["page", "ticket"]
    description: str
    summary: str
    kind: Literal["quantile", "ratio", "gauge", "cost_per_user", "absent"]
    for_: str
    threshold: PerEnv
    budget: Budget | None
    pos: Pos
    # quantile
    metric: Metric | None = None
    q: float | None = None
    # ratio
    numerator: Metric | None = None
    numerator_filter: Filter = ()
    denominator: Metric | None = None
    # cost_per_user
    cost: Metric | None = None
    users: Metric | None = None
    average_over: str | None = None
    min_users: float = 1.0  # cost_per_user: fewer daily active users than this make the ratio absent
    # shared
    filter: Filter = ()
    by: tuple[Tag, ...] = ()
    min_requests: float = 0.0  # quantile, ratio: events in the rate window below which the alert stays quiet
    severity_per_env: tuple[tuple[str, str], ...] = ()  # an explicit `severity: {env: ...}` map
    owner: str = ""
    direction: Literal["above", "below"] = "above"  # `above:`/`above_budget:`, or `below:`

    @property
    def anchor(self) -> str:
        return naming.anchor("alert", self.name)

    @property
    def presence_series(self) -> str:
        """absent: the series whose absence fires the alert (a histogram's _count)."""
        assert self.metric is not None
        return self.metric.count_series if self.metric.type == "histogram" else self.metric.prom_name

    @property
    def comparison(self) -> str:
        """The PromQL comparison of the alert's value with its threshold."""
        return ">" if self.direction == "above" else "<"

    @property
    def metrics(self) -> tuple[Metric, ...]:
        found = (self.metric, self.numerator, self.denominator, self.cost, self.users)
        return tuple(m for m in found if m is not None)
