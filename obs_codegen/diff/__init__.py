"""Stage `diff`: the breaking-change gate between a base spec and the new one.

Both specs go through the normal pipeline (load -> resolve); the rules in `registry.RULES`
(one module per family: metrics, contracts, objectives) compare the resolved models, never the
YAML text, so reordering, re-indenting or moving an item into a tag set is no change. Each
finding has a rule id, a category (who breaks), a severity and a position in the new spec (or in
the base, for what is gone). An error is breaking unless `--allow RULE` or the new spec's
`accepted_breaks` (rule, subject, reason) accepts it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..spec.model import Model
from . import code, contracts, lifecycle, metrics, objectives  # noqa: F401  (each family registers its rules)
from .registry import RULES, Category, Change, ChangeSeverity, run, severity_of


@dataclass(frozen=True)
class Finding:
    change: Change
    category: Category
    severity: ChangeSeverity
    accepted: str | None  # why this break is accepted (`--allow`, or the spec's reason); None if not

    @property
    def breaking(self) -> bool:
        return self.severity == "error" and self.accepted is None

    def to_dict(self) -> dict[str, Any]:
        c = self.change
        return {"file": c.pos.file, "line": c.pos.line, "column": c.pos.column, "rule": c.rule, "category": self.category,
                "severity": self.severity, "subject": c.subject, "message": c.message, "in_base": c.in_base,
                "accepted": self.accepted}


def accepted_breaks(data: Any) -> dict[tuple[str, str], str]:
    """(rule, subject) -> reason, from the new spec's `accepted_breaks:` list (schema-checked by the loader)."""
    entries = data.get("accepted_breaks") if isinstance(data, dict) else None
    out: dict[tuple[str, str], str] = {}
    for e in entries if isinstance(entries, list) else ():
        if isinstance(e, dict) and all(isinstance(e.get(k), str) for k in ("rule", "subject", "reason")):
            out[(e["rule"], e["subject"])] = e["reason"]
    return out


def diff_models(old: Model, new: Model, allow: Iterable[str] = (),
                accepted: dict[tuple[str, str], str] | None = None) -> list[Finding]:
    """Every change from `old` to `new`, most severe first, then in spec order."""
    allowed = set(allow)
    accepted = accepted or {}
    order = {"error": 0, "warning": 1, "info": 2}
    out = []
    for c in run(old, new):
        reason = ("allowed by --allow" if c.rule in allowed
                  else accepted.get((c.rule, c.subject)) or accepted.get((c.rule, "*")))
        rule = RULES[c.rule]
        out.append(Finding(c, rule.category, severity_of(c), reason))
    return sorted(out, key=lambda f: (order[f.severity], f.change.in_base, f.change.pos.line, f.change.rule,
                                      f.change.subject))


__all__ = ["RULES", "Finding", "accepted_breaks", "diff_models"]
