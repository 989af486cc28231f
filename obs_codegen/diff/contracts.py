"""Change rules for the contracts between services: headers on the wire (`wire`) and log lines (`logs`)."""

from __future__ import annotations

from collections.abc import Iterator

from ..backends.identifiers import exact_number
from ..spec.model import Header, LogField, Model, Pos
from .registry import Change, Matched, Pair, change_rule, match, removed


def _headers(pair: Pair) -> Matched[Header]:
    return match(pair.old.headers, pair.new.headers, lambda h: h.name.lower(), lambda h: (h.renamed_from or "").lower() or None)


@change_rule("header-removed", "wire", "error", "A header is gone: services that send or read it disagree.")
def _header_removed(pair: Pair) -> Iterator[Change]:
    for h in _headers(pair).removed:
        yield removed(h.pos, "header-removed", h.name,
                      f"header '{h.name}' was removed: senders still send it and the boundary helpers now strip it",
                      deprecated=h.deprecated)


@change_rule("header-renamed", "wire", "warning", "A header declares `renamed_from`: both ends must move together.")
def _header_renamed(pair: Pair) -> Iterator[Change]:
    for old, new in _headers(pair).renamed:
        yield Change(new.pos, "header-renamed", new.name,
                     f"header '{old.name}' is renamed to '{new.name}': deploy readers of both names before senders move")


@change_rule("header-required", "wire", "error", "A header became required: requests from senders without it are refused.")
def _header_required(pair: Pair) -> Iterator[Change]:
    for old, new in _headers(pair).both:
        if new.required and not old.required:
            yield Change(new.pos, "header-required", new.name,
                         f"header '{new.name}' became required: requests from senders that omit it fail validation")


@change_rule("header-format-narrowed", "wire", "error",
             "A header accepts fewer values (format, pattern, allowed values or max_bytes): valid senders are refused.")
def _header_format(pair: Pair) -> Iterator[Change]:
    for old, new in _headers(pair).both:
        why = (f"format {old.format} -> {new.format}" if old.format != new.format
               else f"max_bytes {old.max_bytes} -> {new.max_bytes}" if new.max_bytes < old.max_bytes
               else "its value pattern changed" if old.pattern != new.pattern else "")
        if why:
            yield Change(new.pos, "header-format-narrowed", new.name,
                         f"header '{new.name}' accepts different values ({why}): values valid before may be refused")


@change_rule("header-hop-removed", "wire", "error", "A header may no longer cross a hop: it is stripped there.")
def _header_hops(pair: Pair) -> Iterator[Change]:
    for old, new in _headers(pair).both:
        gone = [h for h in old.hops if h not in new.hops]
        if gone:
            yield Change(new.pos, "header-hop-removed", f"{new.name}:{','.join(gone)}",
                         f"header '{new.name}' no longer crosses hop(s) {', '.join(gone)}: it is stripped there")


# --- logs ------------------------------------------------------------------------------------

def _groups(model: Model) -> dict[str, tuple[Pos, tuple[LogField, ...]]]:
    """Every field list a log line is checked against: the envelope, each event, each reusable object."""
    out: dict[str, tuple[Pos, tuple[LogField, ...]]] = {"envelope": (Pos(model.spec_path, 1, 1), model.logs.envelope)}
    out.update({f"event {e.key}": (e.pos, e.fields) for e in model.logs.events})
    out.update({f"object {o.name}": (o.pos, o.fields) for o in model.logs.objects})
    return out


def _field_pairs(pair: Pair) -> Iterator[tuple[str, Pos, Matched[LogField]]]:
    old, new = _groups(pair.old), _groups(pair.new)
    for group, (pos, fields) in new.items():
        if group in old:
            yield group, pos, match(old[group][1], fields, lambda f: f.name, lambda f: f.renamed_from)


@change_rule("log-event-removed", "logs", "error", "A log event is gone: pipelines and alerts that parse it see nothing.")
def _event_removed(pair: Pair) -> Iterator[Change]:
    for e in match(pair.old.logs.events, pair.new.logs.events, lambda e: e.key).removed:
        yield removed(e.pos, "log-event-removed", e.key, f"log event '{e.key}' was removed: its consumers see no more lines")


@change_rule("log-field-removed", "logs", "error", "A log field is gone: consumers that read it get nothing.")
def _field_removed(pair: Pair) -> Iterator[Change]:
    for group, _, m in _field_pairs(pair):
        for f in m.removed:
            yield removed(f.pos, "log-field-removed", f"{group}:{f.name}",
                          f"field '{f.name}' of {group} was removed: consumers that read it get nothing",
                          deprecated=f.deprecated)


@change_rule("log-field-renamed", "logs", "warning", "A log field declares `renamed_from`: consumers must read the new name.")
def _field_renamed(pair: Pair) -> Iterator[Change]:
    for group, _, m in _field_pairs(pair):
        for old, new in m.renamed:
            yield Change(new.pos, "log-field-renamed", f"{group}:{new.name}",
                         f"field '{old.name}' of {group} is renamed to '{new.name}': consumers must read the new name")


@change_rule("log-field-required", "logs", "error",
             "A log field became required, or a new field is required: lines from current emitters fail the schema.")
def _field_required(pair: Pair) -> Iterator[Change]:
    for group, _, m in _field_pairs(pair):
        for old, new in m.both:
            if new.required and not old.required:
                yield Change(new.pos, "log-field-required", f"{group}:{new.name}",
                             f"field '{new.name}' of {group} became required: lines that omit it now fail its schema")
        for new in m.added:
            if new.required:
                yield Change(new.pos, "log-field-required", f"{group}:{new.name}",
                             f"new field '{new.name}' of {group} is required: lines from current emitters fail its "
                             f"schema; add it as optional first")


@change_rule("log-field-narrowed", "logs", "error",
             "A log field accepts fewer values (type, enum values, bounds, length, pattern): current lines fail.")
def _field_narrowed(pair: Pair) -> Iterator[Change]:
    for group, _, m in _field_pairs(pair):
        for old, new in m.both:
            why = _narrowing(old, new)
            if why:
                yield Change(new.pos, "log-field-narrowed", f"{group}:{new.name}",
                             f"field '{new.name}' of {group} accepts fewer values ({why}): current lines may fail")


def _n(value: float | None) -> str:
    return "none" if value is None else exact_number(value)


def _narrowing(old: LogField, new: LogField) -> str:
    if old.type != new.type:
        return f"type {old.type} -> {new.type}"
    gone = [v for v in old.values if v not in new.values]
    if gone:
        return f"values {', '.join(gone)} removed"
    if new.max_length is not None and (old.max_length is None or new.max_length < old.max_length):
        return f"max_length {old.max_length} -> {new.max_length}"
    if new.minimum is not None and (old.minimum is None or new.minimum > old.minimum):
        return f"min {_n(old.minimum)} -> {_n(new.minimum)}"
    if new.maximum is not None and (old.maximum is None or new.maximum < old.maximum):
        return f"max {_n(old.maximum)} -> {_n(new.maximum)}"
    if new.pattern != old.pattern and new.pattern is not None:
        return "its pattern changed"
    return ""
