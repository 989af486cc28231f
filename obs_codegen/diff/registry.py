"""The change-rule registry of `obs-codegen diff`: every rule id, who it breaks, and how bad.

Like the lint registry: each rule has a stable id, a category naming who breaks (`queries`:
dashboards, rules and ad-hoc PromQL; `code`: the generated TypeScript and Python API; `logs`:
log consumers; `wire`: headers between services), a default severity (`error` breaks a reader,
`warning` may, `info` is worth knowing), a one-line purpose, and a check
`(Pair) -> iterable of Change` that compares the base model with the new one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Generic, Literal, TypeVar

from ..spec import lifecycle
from ..spec.lifecycle import Deprecation
from ..spec.model import Model, Pos
from .dependents import Readers

Category = Literal["queries", "code", "logs", "wire"]
ChangeSeverity = Literal["error", "warning", "info"]
CATEGORIES: tuple[Category, ...] = ("queries", "code", "logs", "wire")


@dataclass(frozen=True, order=True)
class Change:
    """One difference between the base and the new spec, found by one rule.

    `subject` names the item (`next.request.count`, `next.request.count:route`) for `--allow`
    and the spec's `accepted_breaks`; `pos` is where it is written in the new spec, or in the
    base spec when it no longer exists (`in_base`).
    """

    pos: Pos
    rule: str
    subject: str
    message: str
    in_base: bool = False
    severity: ChangeSeverity | None = None  # None: the rule's default


@dataclass(frozen=True)
class Pair:
    """What every check compares: the base and the new model, and who reads the base's items."""

    old: Model
    new: Model
    readers: Readers


Check = Callable[[Pair], Iterable[Change]]


@dataclass(frozen=True)
class ChangeRule:
    id: str
    category: Category
    severity: ChangeSeverity
    purpose: str
    check: Check


RULES: dict[str, ChangeRule] = {}


def change_rule(rule_id: str, category: Category, severity: ChangeSeverity, purpose: str) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        assert rule_id not in RULES, rule_id
        RULES[rule_id] = ChangeRule(rule_id, category, severity, purpose, fn)
        return fn

    return register


def removed(old_pos: Pos, rule: str, subject: str, message: str, severity: ChangeSeverity | None = None,
            deprecated: Deprecation | None = None) -> Change:
    """A change about an item that exists only in the base spec: positioned there (see `retiring`)."""
    return retiring(Change(old_pos, rule, subject, message, in_base=True, severity=severity), deprecated)


def retiring(change: Change, deprecated: Deprecation | None) -> Change:
    """A removal adjusted for the base's deprecation of the removed item: once its `remove_after` date
    has passed, the removal is the expected end of the deprecation (info); before that date it keeps
    its severity and says how long readers were promised."""
    if deprecated is None:
        return change
    if lifecycle.expired(deprecated):
        return replace(change, severity="info", message=f"{change.message} (expected: deprecated since "
                       f"{deprecated.since}, due for removal after {deprecated.remove_after})")
    window = f"until {deprecated.remove_after}" if deprecated.remove_after else "with no remove_after date"
    return replace(change, message=f"{change.message} (it is deprecated, but its window runs {window}: readers "
                   "may not have moved yet)")


def severity_of(change: Change) -> ChangeSeverity:
    return change.severity or RULES[change.rule].severity


def run(old: Model, new: Model) -> list[Change]:
    """Every change every rule finds, in registry order, each once."""
    pair = Pair(old, new, Readers(old))
    out: list[Change] = []
    for r in RULES.values():
        out.extend(r.check(pair))
    return list(dict.fromkeys(out))


T = TypeVar("T")


@dataclass(frozen=True)
class Matched(Generic[T]):
    """Items of one kind matched by name across the two specs; a declared `renamed_from` matches too."""

    both: list[tuple[T, T]]  # (old, new), same name or renamed
    renamed: list[tuple[T, T]]
    removed: list[T]
    added: list[T]


def match(old: Iterable[T], new: Iterable[T], name: Callable[[T], str],
          renamed_from: Callable[[T], str | None] = lambda _: None) -> Matched[T]:
    old_by = {name(o): o for o in old}
    new_list = list(new)
    new_names = {name(n) for n in new_list}
    both, renamed, added = [], [], []
    taken: set[str] = set()
    for n in new_list:
        if name(n) in old_by:
            both.append((old_by[name(n)], n))
            taken.add(name(n))
            continue
        previous = renamed_from(n)
        if previous is not None and previous in old_by and previous not in new_names and previous not in taken:
            both.append((old_by[previous], n))
            renamed.append((old_by[previous], n))
            taken.add(previous)
        else:
            added.append(n)
    return Matched(both, renamed, [o for k, o in old_by.items() if k not in taken], added)
