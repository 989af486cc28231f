"""Lint rules for declared renames (`renamed_from:`), which `obs-codegen diff` and the rules backend read."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..diagnostics import Diagnostic
from ..spec import naming
from ..spec.loader import Source
from ..spec.model import LogField, Model
from ..spec.schema_parts import DOTTED, IDENT
from .registry import rule


def field_groups(model: Model) -> list[tuple[tuple[str, ...], tuple[LogField, ...]]]:
    """Every list of log fields with its spec path: the envelope, each event's and each object's fields."""
    groups: list[tuple[tuple[str, ...], tuple[LogField, ...]]] = [(("logs", "envelope"), model.logs.envelope)]
    groups += [(("logs", "events", e.key, "fields"), e.fields) for e in model.logs.events]
    groups += [(("logs", "objects", o.name, "fields"), o.fields) for o in model.logs.objects]
    return groups


@rule("spec-renamed-from", "`renamed_from` names a former name: valid, not in use, and claimed by one item only.")
def _renamed_from(model: Model, src: Source) -> Iterator[Diagnostic]:
    keys = {m.key for m in model.metrics}
    series = {s: m.key for m in model.metrics for s in m.series}
    claimed: dict[str, str] = {}
    for m in model.metrics:
        old = m.renamed_from
        if old is None:
            continue
        path = ("metrics", m.key, "renamed_from")
        if not re.fullmatch(DOTTED, old):
            yield src.diag(path, "spec-renamed-from", f"'{old}' is not a metric name (<service>.<family>.<name>)")
        elif old in keys:
            yield src.diag(path, "spec-renamed-from", f"'{old}' is still a metric of this spec; a rename retires the old name")
        elif old in claimed:
            yield src.diag(path, "spec-renamed-from", f"'{old}' is already the former name of '{claimed[old]}'")
        else:
            clash = [s for s in naming.prom_series(f"{model.project.metric_prefix}.{old}", m.type) if s in series]
            if clash:
                yield src.diag(path, "spec-renamed-from", f"the old series {clash[0]} is a series of "
                               f"'{series[clash[0]]}': the transitional recording rule would collide with it")
        claimed.setdefault(old, m.key)
    headers = {h.name.lower() for h in model.headers}
    for h in model.headers:
        if h.renamed_from is not None and h.renamed_from.lower() in headers:
            yield src.diag(("headers", h.name, "renamed_from"), "spec-renamed-from",
                           f"'{h.renamed_from}' is still a header of this spec; a rename retires the old name")
    tags = {t.name for t in model.tags}
    former: dict[str, str] = {}
    for t in model.tags:
        old = t.renamed_from
        others = {u.label for u in model.tags if u is not t}
        if old is None:
            continue
        path = ("tags", t.name, "renamed_from")
        if old in tags or old == t.name:
            yield src.diag(path, "spec-renamed-from", f"'{old}' is still a tag of this spec; a rename retires the old name")
        elif old in former:
            yield src.diag(path, "spec-renamed-from", f"'{old}' is already the former name of tag '{former[old]}'")
        elif ("tags", t.name, "label") not in src.values and naming.snake_case(old) in others:
            yield src.diag(path, "spec-renamed-from",
                           f"the old label {naming.snake_case(old)} is still the label of another tag")
        former.setdefault(old, t.name)
    for prefix, fields in field_groups(model):
        names = {f.name for f in fields}
        for f in fields:
            old = f.renamed_from
            if old is None:
                continue
            if not re.fullmatch(IDENT, old):
                yield src.diag(prefix + (f.name, "renamed_from"), "spec-renamed-from", f"'{old}' is not a field name")
            elif old in names:
                yield src.diag(prefix + (f.name, "renamed_from"), "spec-renamed-from",
                               f"'{old}' is still a field here; a rename retires the old name")
