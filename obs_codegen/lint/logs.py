"""Lint rules for log events: no raw content or PII, bounded strings, hashed ids, request ids."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ..diagnostics import Diagnostic
from ..spec.loader import Source
from ..spec.model import LogField, Model
from .registry import rule

# --- logs ---------------------------------------------------------------------------

# Words that mean raw content, personal data or a credential, anywhere in a field name
# (`promptText`, `userEmail`, `rawTranscript`) ...
RAW_CONTENT_WORDS = frozenset((
    "text", "transcript", "audio", "prompt", "completion", "content", "body", "email", "phone", "password",
    "ip", "address", "authorization", "cookie", "jwt", "secret", "ssn",
))
# ... unless the name ends in a word that makes it a measure or a hash (`promptTokens`, `audioMs`, `emailHash`).
MEASURE_WORDS = frozenset(("length", "len", "size", "bytes", "chars", "count", "tokens", "ms", "seconds", "hash",
                           "type", "kind", "version", "format", "language", "lang"))
# Identifiers of people or their sessions, raw unless the field is a hashed_id (`userId`, `clerkUserId`).
IDENTITY_WORDS = frozenset(("user", "session", "focus", "account", "customer", "person", "member"))
# Whole names that are personal data on their own.
RAW_NAMES = frozenset(("name", "fullname", "firstname", "lastname", "username"))


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def raw_content_reason(name: str, forbidden: Iterable[str] = ()) -> str | None:
    """Why a log field called `name` would carry raw personal data or content (None if it would not)."""
    words = [w for w in re.split(r"_|(?<=[a-z0-9])(?=[A-Z])", name) if w]
    lower = [w.lower() for w in words]
    if _norm(name) in {_norm(f) for f in forbidden} or _norm(name) in RAW_NAMES:
        return "its name is on the forbidden list"
    if lower and lower[-1] in MEASURE_WORDS:
        return None
    hit = next((w for w in lower if w in RAW_CONTENT_WORDS or w in {_norm(f) for f in forbidden}), None)
    if hit:
        return f"'{hit}' means raw content or personal data"
    if len(lower) >= 2 and lower[-1] == "id" and any(w in IDENTITY_WORDS for w in lower[:-1]):
        return "it is a raw identifier of a person or session"
    return None


@rule("log-field-raw-content", "Log fields whose names mean raw PII, raw content or secrets are rejected.")
def _raw_content(model: Model, src: Source) -> Iterator[Diagnostic]:
    forbidden = tuple(model.project.forbidden_log_fields) + tuple(h.name for h in model.headers if h.secret)
    for path, f in _log_fields(model):
        if f.type == "hashed_id":
            continue
        why = raw_content_reason(f.name, forbidden)
        if why:
            yield src.diag(path, "log-field-raw-content",
                           f"log field '{f.name}' would carry raw personal data or content ({why}); "
                           "log a hash, size or count instead", key=True)


@rule("log-string-unbounded", "Free-text log fields need max_length or a pattern, so they cannot carry raw content.")
def _string_unbounded(model: Model, src: Source) -> Iterator[Diagnostic]:
    for path, f in _log_fields(model):
        if f.type == "string" and f.max_length is None and f.pattern is None:
            yield src.diag(path, "log-string-unbounded",
                           f"string field '{f.name}' needs `max_length:` or `pattern:` (or an enum or tag)", key=True)


@rule("log-field-hashed", "Identifier fields in logs are hashed ids (tag of type hashed_id).")
def _log_hashed(model: Model, src: Source) -> Iterator[Diagnostic]:
    for path, f in _log_fields(model):
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


@rule("log-field-shadow", "An event field does not redefine an envelope field.")
def _shadow(model: Model, src: Source) -> Iterator[Diagnostic]:
    envelope = {f.name for f in model.logs.envelope}
    for e in model.logs.events:
        for f in e.fields:
            if f.name in envelope:
                yield src.diag(("logs", "events", e.key, "fields", f.name), "log-field-shadow",
                               f"'{f.name}' is already in the envelope", key=True)


@rule("log-pattern-portability", "A log field's pattern compiles with JavaScript's u flag (ajv) and means the same in Python.")
def _pattern_portability(model: Model, src: Source) -> Iterator[Diagnostic]:
    from ..backends.ecma_regex import portability_error

    seen: set[tuple[object, ...]] = set()
    for path, f in _log_fields(model):
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
        if pattern is None or where in seen:
            continue
        seen.add(where)
        problem = portability_error(pattern)
        if problem is not None:
            yield src.diag(where, "log-pattern-portability",
                           f"pattern {pattern!r} cannot be used in a log schema: {problem.message} (at character "
                           f"{problem.offset + 1}; ajv compiles it with the u flag, and Python must read it the same)")


def _raw_at(src: Source, *path: object) -> object:
    node = src.data
    for p in path:
        node = node.get(p) if isinstance(node, dict) else None
    return node


def _log_fields(model: Model) -> Iterator[tuple[tuple[str, ...], LogField]]:
    for f in model.logs.envelope:
        yield ("logs", "envelope", f.name), f
    for o in model.logs.objects:
        for f in o.fields:
            yield ("logs", "objects", o.name, "fields", f.name), f
    for e in model.logs.events:
        for f in e.fields:
            yield ("logs", "events", e.key, "fields", f.name), f
