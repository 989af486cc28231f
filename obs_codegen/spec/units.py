"""The spec's units and what Grafana calls them: one table (`units.json`), read once.

For each spec unit the table gives the Grafana unit id of a value (gauge, histogram
quantile), of a per-second rate (counter) and of a total over a period (increase),
with the divisor the query applies (cents -> dollars) and whether the rate is shown
per hour. Every dashboard panel takes its unit from here; lint rule
`metric-unit-unmapped` rejects a unit the table lacks unless the spec declares it under `units:`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

Use = Literal["value", "rate", "total"]
TABLE = Path(__file__).with_name("units.json")


@dataclass(frozen=True)
class Display:
    """How one use of a unit is shown: Grafana unit id, divisor applied in the query, rate per hour."""

    grafana: str
    divide_by: float = 1
    per_hour: bool = False


FALLBACK = {"value": Display("short"), "rate": Display("cps"), "total": Display("short")}


@cache
def table() -> dict[str, dict[str, Display]]:
    """spec unit -> {value|rate|total -> Display}."""
    raw = json.loads(TABLE.read_text(encoding="utf-8"))["units"]
    return {unit: {use: Display(d["unit"], float(d.get("divide_by", 1)), bool(d.get("per_hour", False)))
                   for use, d in uses.items()} for unit, uses in raw.items()}


def known(unit: str) -> bool:
    return unit in table()


def display(unit: str, use: Use) -> Display:
    """The Grafana display of `unit` for `use` (the plain fallback when the table lacks the unit)."""
    return table().get(unit, FALLBACK)[use]
