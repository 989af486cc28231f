"""Lint rules for log events: no raw content or PII, bounded strings, hashed ids, request ids."""

from __future__ import annotations

import math
from collections.abc import Iterator

from ..diagnostics import Diagnostic
from ..spec.loader import Source
from ..spec.model import LogField, Model
from .field_names import raw_content_reason
from .registry import _valid_regex, log_fields, rule

# --- logs ---------------------------------------------------------------------------

MAX_FREE_TEXT = 1024  # longest free-text log string: longer is a document (or a prompt), not a log field


def string_bound(f: LogField) -> float | None:
    """The longest value a string field allows (its max_length or its pattern's longest match, whichever is
    shorter); math.inf when neither bounds it, None when the pattern cannot be read (another rule says why)."""
    from ..backends.ecma_regex import PatternError, longest_match

    longest = math.inf
    if f.pattern is not None:
        try:
            longest = longest_match(f.pattern)
        except PatternError:
            return None
    return min(longest, f.max_length) if f.max_length is not None else longest


@rule("log-field-raw-content", "Log fields whose names mean raw PII, raw content or secrets are rejected.")
def _raw_content(model: Model, src: Source) -> Iterator[Diagnostic]:
    forbidden = tuple(model.project.forbidden_log_fields) + tuple(h.name for h in model.headers if h.secret)
    for path, f in log_fields(model):
        why = raw_content_reason(f.name, f.type, forbidden, string_bound(f) if f.type == "string" else None)
        if why:
            yield src.diag(path, "log-field-raw-content",
                           f"log field '{f.name}' would carry raw personal data or content ({why}); "
                           "log a hash, size or count instead", key=True)


@rule("log-string-unbounded",
      "Free-text log fields are bounded by max_length or a pattern with no *, + or {n,}, to at most 1024 characters.")
def _string_unbounded(model: Model, src: Source) -> Iterator[Diagnostic]:
    for path, f in log_fields(model):
        bound = string_bound(f) if f.type == "string" else 0
        if bound is None or bound <= MAX_FREE_TEXT:
            continue
        if math.isinf(bound):
            why = (f"its pattern {f.pattern!r} does not bound the length (it has *, + or {{n,}})"
                   if f.pattern is not None else "it has no `max_length:` or `pattern:`")
            yield src.diag(path, "log-string-unbounded",
                           f"string field '{f.name}' can hold any amount of text: {why}; give it `max_length:` "
                           f"(at most {MAX_FREE_TEXT}), or an enum or tag", key=True)
        else:
            yield src.diag(path, "log-string-unbounded",
                           f"string field '{f.name}' allows {int(bound)} characters, over the {MAX_FREE_TEXT} a "
                           "log field may hold; lower `max_length:` (log a size or a hash of longer text)", key=True)


@rule("log-field-hashed", "Identifier fields in logs are hashed ids (tag of type hashed_id).")
def _log_hashed(model: Model, src: Source) -> Iterator[Diagnostic]:
    for path, f in log_fields(model):
        if f.name.endswith("Hash") and f.type != "hashed_id":
            yield src.diag(path, "log-field-hashed",
                           f"'{f.name}' must reference a hashed_id tag (`tag: ...`)", key=True)


@rule("log-request-id", "Every log event carries a required requestId in the envelope.")
def _request_id(model: Model, src: Source) -> Iterator[Diagnostic]:
    if model.logs.events and not any(f.name == "requestId" and f.required for f in model.logs.envelope):
        yield src.diag(("logs", "envelope"), "log-request-id", "the log envelope needs a required `requestId` field",
                       key=True)


@rule("log-discriminator-unique", "Each event kind of a service is reachable: no two share a discriminator value.")
def _discriminator_unique(model: Model, src: Source) -> Iterator[Diagnostic]:
    for svc in model.services:
        claimed: dict[tuple[str, str | None], str] = {}
        for e in model.logs.events_for(svc.name):
            f = e.discriminator_field
            if f is None:
                continue
            for value in f.values or (None,):
                key = (e.discriminator, value)
                if key in claimed:
                    what = f"value '{value}' of '{e.discriminator}'" if value is not None else f"field '{e.discriminator}'"
                    yield src.diag(("logs", "events", e.key, "discriminator"), "log-discriminator-unique",
                                   f"{what} already selects event '{claimed[key]}', so '{e.key}' could never match")
                    break
                claimed[key] = e.key


@rule("log-discriminator-ambiguous", "No line of one event can carry what selects another event of its service.")
def _discriminator_ambiguous(model: Model, src: Source) -> Iterator[Diagnostic]:
    for svc in model.services:
        events = model.logs.events_for(svc.name)
        for b in events:
            for a in events:
                field = next((f for f in b.fields if f.name == a.discriminator), None)
                if a is b or field is None:
                    continue
                theirs = a.discriminator_values
                ours = field.values if field.type == "enum" else ()
                if a.discriminator == b.discriminator and bool(theirs) == bool(ours):
                    continue  # two discriminators of one name: log-discriminator-unique's
                common = sorted(set(theirs) & set(ours)) if theirs and ours else []
                if theirs and ours and not common:
                    continue  # told apart by value
                what = (f"with value '{common[0]}'" if common else "with any value" if not theirs
                        else f"with a value such as '{theirs[0]}'")
                yield src.diag(("logs", "events", b.key, "fields", field.name), "log-discriminator-ambiguous",
                               f"a line of '{b.key}' may carry '{field.name}' {what}, which selects event '{a.key}': "
                               f"one line would match two events; rename the field, or make '{a.discriminator}' an "
                               f"enum whose values '{b.key}' never takes", key=True)


@rule("log-field-shadow", "An event field does not redefine an envelope field.")
def _shadow(model: Model, src: Source) -> Iterator[Diagnostic]:
    envelope = {f.name for f in model.logs.envelope}
    for e in model.logs.events:
        for f in e.fields:
            if f.name in envelope:
                yield src.diag(("logs", "events", e.key, "fields", f.name), "log-field-shadow",
                               f"'{f.name}' is already in the envelope", key=True)


@rule("log-pattern-portability", "A tag's or log field's pattern compiles with JavaScript's u flag and means the same in "
      "Python.")
def _pattern_portability(model: Model, src: Source) -> Iterator[Diagnostic]:
    from ..backends.ecma_regex import portability_error

    seen: set[tuple[object, ...]] = set()
    found: list[tuple[tuple[object, ...], str | None]] = []
    for path, f in log_fields(model):
        own = _raw_at(src, *path, "pattern")
        if f.type == "string" and isinstance(own, str):
            where: tuple[object, ...] = path + ("pattern",)
            pattern: str | None = own
        elif f.type == "string" and f.tag is not None:
            where, pattern = ("tags", f.tag.name, "pattern"), f.tag.pattern
        elif f.type == "hashed_id" and f.tag is not None:
            where, pattern = ("tags", f.tag.name, "opaque_pattern"), f.tag.opaque_pattern
        else:
            continue
        found.append((where, pattern))
    # the other tags' patterns too (a tag a header or a metric label uses is codegen-pattern-portability's,
    # an invalid regex tag-kind's)
    checked = {h.tag.name for h in model.headers if h.tag is not None} | {t.name for m in model.metrics for t in m.tags}
    found += [(("tags", t.name, key), getattr(t, key)) for t in model.tags if t.name not in checked
              for key in ("pattern", "opaque_pattern") if getattr(t, key) is None or _valid_regex(getattr(t, key))]
    for where, pattern in found:
        if pattern is None or where in seen:
            continue
        seen.add(where)
        problem = portability_error(pattern)
        if problem is not None:
            yield src.diag(where, "log-pattern-portability",
                           f"pattern {pattern!r} does not mean the same in JavaScript and Python: {problem.message} "
                           f"(at character {problem.offset + 1}; ajv compiles it with the u flag, Python must read it "
                           "the same)")


def _raw_at(src: Source, *path: object) -> object:
    node = src.data
    for p in path:
        node = node.get(p) if isinstance(node, dict) else None
    return node
