"""Deprecations in `obs-codegen diff`: announcing one is news, removing a deprecated item after its date is expected.

`deprecated:` in the spec is the migration path that makes a removal safe: readers are told what to
move to and until when. This module reports a newly declared deprecation (info, so a pull-request
comment shows it), and turns the removal of an item that the base spec deprecated with a
`remove_after` date that has passed (today: SOURCE_DATE_EPOCH's date when set) into an info
finding; a removal before that date stays breaking, and says how long the window still runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from ..spec import lifecycle
from ..spec.lifecycle import Deprecation
from .contracts import _field_pairs, _headers
from .metrics import _metrics, tag_pairs
from .registry import Change, Pair, change_rule

T = TypeVar("T")


def retired(pair: Pair) -> frozenset[str]:
    """Names (`m:<metric>`, `h:<header>`, `t:<tag>`) of base items whose deprecation window has passed and that
    the new spec no longer has: their generated code names may go too."""
    new = ({f"m:{m.key}" for m in pair.new.metrics} | {f"h:{h.name}" for h in pair.new.headers}
           | {f"t:{t.name}" for t in pair.new.tags})
    old = ([(f"m:{m.key}", m.deprecated) for m in pair.old.metrics]
           + [(f"h:{h.name}", h.deprecated) for h in pair.old.headers]
           + [(f"t:{t.name}", t.deprecated) for t in pair.old.tags])
    return frozenset(name for name, dep in old if name not in new and lifecycle.expired(dep))


def _newly(pairs: Iterable[tuple[T, T]], dep: Callable[[T], Deprecation | None]) -> Iterator[tuple[T, Deprecation]]:
    for old, new in pairs:
        d = dep(new)
        if d is not None and dep(old) is None:
            yield new, d


@change_rule("metric-deprecated", "queries", "info",
             "A metric or tag (label) is newly deprecated: queries should move to its replacement before remove_after.")
def _metric_deprecated(pair: Pair) -> Iterator[Change]:
    for m, d in _newly(_metrics(pair).both, lambda m: m.deprecated):
        yield Change(m.pos, "metric-deprecated", m.key, f"metric '{m.key}' is deprecated: {d.sentence('metric')}")
    for t, d in _newly(tag_pairs(pair).both, lambda t: t.deprecated):
        yield Change(t.pos, "metric-deprecated", f"tag:{t.name}",
                     f"tag '{t.name}' (label {t.label}) is deprecated: {d.sentence('tag')}")


@change_rule("header-deprecated", "wire", "info", "A header is newly deprecated: senders should move before remove_after.")
def _header_deprecated(pair: Pair) -> Iterator[Change]:
    for h, d in _newly(_headers(pair).both, lambda h: h.deprecated):
        yield Change(h.pos, "header-deprecated", h.name, f"header '{h.name}' is deprecated: {d.sentence('header')}")


@change_rule("log-field-deprecated", "logs", "info",
             "A log field is newly deprecated: consumers should move to its replacement before remove_after.")
def _field_deprecated(pair: Pair) -> Iterator[Change]:
    for group, _, m in _field_pairs(pair):
        for f, d in _newly(m.both, lambda f: f.deprecated):
            yield Change(f.pos, "log-field-deprecated", f"{group}:{f.name}",
                         f"field '{f.name}' of {group} is deprecated: {d.sentence('field')}")
