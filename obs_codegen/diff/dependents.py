"""Who reads an item of the base spec: the SLOs, alerts and dashboard panels a change would break.

A finding that says "removing bucket 8000 breaks SLO chat-latency and 2 panels" is actionable;
"bucket removed" is not. SLOs and alerts are found in the resolved model. Panels are found in
the dashboards the base spec generates (rendered only when a finding needs them, once per
diff): a panel depends on a metric when one of its queries names one of the metric's series,
and on a label when that query also names the label.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cached_property

from ..spec.model import Metric, Model

_WORD = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")


class Readers:
    """The readers of one model's metrics, labels and buckets."""

    def __init__(self, model: Model) -> None:
        self.model = model

    @cached_property
    def _panels(self) -> list[tuple[str, str, frozenset[str]]]:
        """(dashboard title, panel title, every identifier its queries use), in dashboard order."""
        from ..backends import render_all

        out: list[tuple[str, str, frozenset[str]]] = []
        for path, data in render_all(self.model, only=["dashboards"]).items():
            if path.suffix != ".json":
                continue
            board = json.loads(data)
            if not isinstance(board, dict) or "panels" not in board:
                continue
            for panel in _all_panels(board.get("panels", [])):
                targets = panel.get("targets")
                exprs = [str(t.get("expr", "")) for t in targets if isinstance(t, dict)] if isinstance(targets, list) else []
                words = frozenset(w for e in exprs for w in _WORD.findall(e))
                if words:
                    out.append((str(board.get("title", path.stem)), str(panel.get("title", "")), words))
        return out

    def slos(self, metric: Metric, label: str | None = None) -> list[str]:
        found = []
        for s in self.model.slos:
            if any(m.key == metric.key for m in s.metrics):
                if label is None or label in {t.label for t, _ in s.filter}:
                    found.append(f"SLO '{s.name}'")
        return found

    def alerts(self, metric: Metric, label: str | None = None) -> list[str]:
        found = []
        for a in self.model.alerts:
            if any(m.key == metric.key for m in a.metrics):
                labels = {t.label for t, _ in (*a.filter, *a.numerator_filter)} | {t.label for t in a.by}
                if label is None or label in labels:
                    found.append(f"alert '{a.name}'")
        return found

    def panels(self, metric: Metric, label: str | None = None, words: Iterable[str] = ()) -> list[str]:
        series = set(metric.series) | {metric.base_name}
        need = set(words) | ({label} if label else set())
        return [f"panel '{title}' ({board})" for board, title, used in self._panels
                if used & series and need <= used]

    def of_metric(self, metric: Metric, label: str | None = None) -> list[str]:
        return [*self.slos(metric, label), *self.alerts(metric, label), *self.panels(metric, label)]


def _all_panels(panels: list[object]) -> Iterable[dict[str, object]]:
    for p in panels:
        if isinstance(p, dict):
            yield p
            yield from _all_panels(p.get("panels", []) if isinstance(p.get("panels"), list) else [])


def listing(readers: list[str], limit: int = 6) -> str:
    """`; read by SLO 'a', alert 'B' and 3 more`, or '' when nothing reads it."""
    if not readers:
        return ""
    shown = ", ".join(readers[:limit])
    more = f" and {len(readers) - limit} more" if len(readers) > limit else ""
    return f"; read by {shown}{more}"
