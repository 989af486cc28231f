r"""Backend `log_schemas`: one JSON Schema (Draft 2020-12) per logging service.

Writes `schemas/logs/<service>.schema.json` for every service with log events.
Each file is self-contained (its `$defs` hold the envelope, the hashed ids, the
nested objects and one schema per event kind), so a logger or a pipeline loads
one file and needs no reference resolution across files.

Layout of a service schema:
  * root: `type: object`, `$ref: #/$defs/envelope` (ts, level, service, env,
    requestId on every line), then an if/then/else chain on the discriminator
    (`if: {required: [span]}` then `$ref: #/$defs/event_provider_call`, else the
    next kind ...); the last `else` fails when no kind matched, so errors name
    the one event schema that applies instead of a wall of `oneOf` failures;
  * `event_<name>`: the event's fields plus the envelope's names (as `true`,
    checked once by the envelope) with `additionalProperties: false`, so unknown
    fields, and with them raw text or PII, are rejected.

`$id` is `urn:<project>:logs:<service>`: stable, independent of where the files
are hosted (links change, ids must not) and clearly not a URL to fetch.

Every `pattern` matches whole values and means the same to ajv (`new RegExp(p, "u")`) and to
Python's `re.search` (jsonschema, validate-logs): it is spelled by `ecma_regex.whole_value`, so
the end is `(?![\s\S])` rather than `$` (which in Python also matches before a final newline)
and `\d`, `.`, ... are the sets JavaScript means. The lint rejects spec patterns that the u
flag refuses or that the engines read differently (`log-pattern-portability`).
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from ..spec.model import Hashing, LogEvent, LogField, LogObject, Model, Tag
from .ecma_regex import escape, portability_error, whole_value
from .escape import json_value
from .identifiers import CodegenError
from .templating import Templates

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
OUT_DIR = PurePosixPath("schemas/logs")

# RFC 3339 date-time with an upper-case `T` and a `Z` or numeric offset. The
# `date-time` format checks ranges (month 13, Feb 30); the pattern pins down the
# shape where validators differ (ajv-formats also accepts a space separator).
DATETIME_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
)
# Canonical lower-case UUID of any version (what uuid4()/crypto.randomUUID() print);
# rejects `urn:uuid:` and braces, on which ajv-formats and Python disagree.
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

UNKNOWN_KIND_COMMENT = "no known event kind: the discriminator field is missing or has an unknown value"


def schema_id(model: Model, service: str) -> str:
    return f"urn:{model.project.name}:logs:{service}"


def schema_path(service: str) -> PurePosixPath:
    return OUT_DIR / f"{service}.schema.json"


def _describe(field: LogField) -> str:
    text = f"{field.description} Unit: {field.unit}." if field.unit else field.description
    return f"{text} {field.deprecated.sentence('field')}" if field.deprecated else text


def hashed_pattern(tag: Tag, hashing: Hashing) -> str:
    """A hashed id: the prefix and the hex digest, or the tag's opaque server-generated form."""
    hashed = escape(tag.prefix or "") + hashing.hex_pattern
    if tag.opaque_pattern:
        return f"^(?:{hashed}|{tag.opaque_pattern.removeprefix('^').removesuffix('$')})$"
    return f"^{hashed}$"


def schema_pattern(pattern: str) -> str:
    """A pattern as the schema carries it: whole values only, one meaning in ajv and Python (see ecma_regex).
    Raises CodegenError for a pattern the lint rejects (`log-pattern-portability`)."""
    problem = portability_error(pattern)
    if problem is not None:
        raise CodegenError(f"pattern {pattern!r} cannot be a log-schema pattern: {problem.message}",
                           "log-pattern-portability")
    return whole_value(pattern)


def _field_schema(field: LogField, service: str, defs: dict[str, Any], hashing: Hashing) -> dict[str, Any]:
    """The schema of one field; hashed ids and objects go to `defs` and are referenced."""
    out: dict[str, Any] = {}
    if field.type == "hashed_id" and field.tag is not None:
        name = f"hashed_{field.tag.name}"
        defs[name] = {"type": "string", "pattern": schema_pattern(hashed_pattern(field.tag, hashing)),
                      "description": field.tag.description}
        out["$ref"] = f"#/$defs/{name}"
    elif field.type == "object" and field.object is not None:
        name = f"object_{field.object.name}"
        if name not in defs:
            defs[name] = {}  # placeholder first: guards against a recursive object
            defs[name] = _object_schema(field.object, service, defs, hashing)
        out["$ref"] = f"#/$defs/{name}"
    elif field.type in ("integer", "number"):
        out["type"] = field.type
        if field.minimum is not None:
            out["minimum"] = _num(field.minimum, field.type)
        if field.maximum is not None:
            out["maximum"] = _num(field.maximum, field.type)
    elif field.type == "boolean":
        out["type"] = "boolean"
    elif field.type == "datetime":
        out.update(type="string", format="date-time", pattern=schema_pattern(DATETIME_PATTERN))
    elif field.type == "uuid":
        out.update(type="string", format="uuid", pattern=schema_pattern(UUID_PATTERN))
    elif field.type == "service":
        out.update(type="string", const=service)
    elif field.type == "enum":
        out.update(type="string", enum=list(field.values))
    else:  # string
        out["type"] = "string"
        if field.pattern:
            out["pattern"] = schema_pattern(field.pattern)
    if field.max_length is not None and out.get("type") == "string":
        out["maxLength"] = field.max_length
    out["description"] = _describe(field)
    if field.deprecated is not None:
        out["deprecated"] = True  # JSON Schema 2020-12 meta-data: still valid, on its way out
    return out


def _num(value: float, kind: str) -> float | int:
    return int(value) if kind == "integer" or float(value).is_integer() else value


def _properties(fields: tuple[LogField, ...], service: str, defs: dict[str, Any], hashing: Hashing) -> dict[str, Any]:
    return {f.name: _field_schema(f, service, defs, hashing) for f in fields}


def _required(fields: tuple[LogField, ...]) -> list[str]:
    return sorted(f.name for f in fields if f.required)


def _object_schema(obj: LogObject, service: str, defs: dict[str, Any], hashing: Hashing) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "title": obj.name,
        "description": obj.description,
        "properties": _properties(obj.fields, service, defs, hashing),
        "additionalProperties": False,
    }
    if _required(obj.fields):
        schema["required"] = _required(obj.fields)
    return schema


def _event_schema(event: LogEvent, defs: dict[str, Any], model: Model) -> dict[str, Any]:
    props: dict[str, Any] = {f.name: True for f in model.logs.envelope}
    props.update(_properties(event.fields, event.service, defs, model.project.hashing))
    schema: dict[str, Any] = {
        "type": "object",
        "title": event.key,
        "description": f"{event.description} Kind chosen by `{event.discriminator}`.",
        "properties": props,
        "additionalProperties": False,
    }
    # envelope fields the service's root schema cannot require (another event may lack them)
    envelope = [f.name for f in model.logs.envelope_of(event) if f.required and f.name not in _always(model, event.service)]
    if _required(event.fields) or envelope:
        schema["required"] = sorted(envelope + _required(event.fields))
    if event.envelope_optional:
        schema["$comment"] = (f"lacks envelope field(s) {', '.join(event.envelope_optional)}: "
                              f"{event.envelope_reason}")
    return schema


def _always(model: Model, service: str) -> set[str]:
    """Envelope fields every event of `service` requires: the root schema requires these."""
    out = {f.name for f in model.logs.envelope if f.required}
    for e in model.logs.events_for(service):
        out.difference_update(e.envelope_optional)
    return out


def _condition(event: LogEvent) -> dict[str, Any]:
    """`if` schema selecting `event` (`LogEvent.discriminator_values`): its discriminator is present and,
    when it is an enum, has one of this event's values."""
    values = list(event.discriminator_values) or None
    # `properties` also declares the name, which ajv's strictRequired asks for
    return {"required": [event.discriminator],
            "properties": {event.discriminator: {"enum": values} if values else True}}


def _unknown_kind(events: tuple[LogEvent, ...]) -> dict[str, Any]:
    """The final `else`: fails for every line that no `if` selected."""
    values: dict[str, set[str]] = {e.discriminator: set() for e in events}
    for e in events:
        values[e.discriminator].update(e.discriminator_values)
    return {"$comment": UNKNOWN_KIND_COMMENT, "required": sorted(values),
            "properties": {k: {"enum": sorted(v)} if v else True for k, v in sorted(values.items())}}


def service_schema(model: Model, service: str) -> dict[str, Any] | None:
    """The schema (as a dict) for `service`'s log lines, or None when it has no events."""
    events = model.logs.events_for(service)
    if not events:
        return None
    svc = model.service(service)
    defs: dict[str, Any] = {}
    defs["envelope"] = {
        "type": "object",
        "title": "envelope",
        "description": "Fields on every log line.",
        "properties": _properties(model.logs.envelope, service, defs, model.project.hashing),
        "required": [n for n in _required(model.logs.envelope) if n in _always(model, service)],
    }
    chain: dict[str, Any] = _unknown_kind(events)
    for event in reversed(events):
        defs[f"event_{event.name}"] = _event_schema(event, defs, model)
        chain = {"if": _condition(event),
                 "then": {"$ref": f"#/$defs/event_{event.name}"}, "else": chain}
    kinds = ", ".join(f"{e.key} (by `{e.discriminator}`)" for e in events)
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": schema_id(model, service),
        "$comment": f"generated by obs-codegen from {model.spec_path}; do not edit",
        "title": f"{model.project.title} {svc.title} log line",
        "description": f"One structured JSON log line of service `{service}`: {svc.description} "
                       f"Event kinds: {kinds}. {model.logs.description}",
        "type": "object",
        "$ref": "#/$defs/envelope",
        **chain,
        "$defs": dict(sorted(defs.items())),
    }


def dump(schema: dict[str, Any]) -> bytes:
    return (json_value(schema, indent=2) + "\n").encode("utf-8")


def render(model: Model, templates: Templates) -> dict[PurePosixPath, bytes]:
    files: dict[PurePosixPath, bytes] = {}
    for svc in sorted(model.services, key=lambda s: s.name):
        schema = service_schema(model, svc.name)
        if schema is not None:
            files[schema_path(svc.name)] = dump(schema)
    return files
