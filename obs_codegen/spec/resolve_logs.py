"""Resolution of the `logs:` section: fields (typed by `type`, `tag` or `object`), objects, events, envelope overrides.

Objects may nest objects declared later (resolved in dependency order); one that nests itself is
`ref-object-cycle`. Field and tag patterns are anchored here so JSON Schema's `pattern` (a search)
and the generated helpers (whole values) mean the same.
"""

from __future__ import annotations

from typing import Any

from . import header_formats, lifecycle
from .model import Hashing, LogEvent, LogField, LogObject, Logs, Tag
from .resolver import Resolver, _d, _l, _num, _opt, _s


def anchored(pattern: str) -> str:
    """`pattern` matching whole values only: JSON Schema and JS `test()` search, they do not anchor."""
    if pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern
    return f"^(?:{pattern})$"


def hashed_id_pattern(tag: Tag, hashing: Hashing) -> str:
    """Anchored regex for a hashed id tag: prefix + hex digest (or the tag's opaque server form)."""
    hashed = header_formats.escape(tag.prefix or "") + hashing.hex_pattern
    if tag.opaque_pattern:
        opaque = tag.opaque_pattern.removeprefix("^").removesuffix("$")
        return f"^(?:{hashed}|{opaque})$"
    return f"^{hashed}$"


def _field(r: Resolver, name: str, raw: dict[str, Any], path: tuple[Any, ...], objects: dict[str, LogObject]) -> LogField | None:
    hashing = r.parts["project"].hashing
    common: dict[str, Any] = dict(
        name=name,
        required=bool(raw.get("required", False)),
        description=_s(raw, "description"),
        minimum=_num(raw.get("min")),
        maximum=_num(raw.get("max")),
        max_length=raw.get("max_length") if isinstance(raw.get("max_length"), int) else None,
        pattern=anchored(raw["pattern"]) if isinstance(raw.get("pattern"), str) else None,
        unit=raw.get("unit") if isinstance(raw.get("unit"), str) else None,
        pos=r.pos(*path),
        renamed_from=_opt(raw, "renamed_from"),
        deprecated=lifecycle.parse(raw.get("deprecated")),
    )
    if "tag" in raw:
        tag = r.parts["tags"].get(raw["tag"]) if isinstance(raw["tag"], str) else None
        if tag is None:
            r.unknown(path + ("tag",), "tag", raw["tag"], r.parts["tags"])
            return None
        common["tag"] = tag
        if tag.kind == "hashed_id":
            common["pattern"] = hashed_id_pattern(tag, hashing)
            return LogField(type="hashed_id", **common)
        if tag.kind == "enum":
            return LogField(type="enum", values=tag.values, **common)
        common["pattern"] = common["pattern"] or (anchored(tag.pattern) if tag.pattern else None)
        return LogField(type="string", **common)
    if "object" in raw:
        obj = objects.get(raw["object"]) if isinstance(raw["object"], str) else None
        if obj is None:
            r.unknown(path + ("object",), "object", raw["object"], objects)
            return None
        return LogField(type="object", object=obj, **common)
    ftype = _s(raw, "type", "string")
    values = tuple(str(v) for v in _l(raw, "values") if isinstance(v, (str, int, float)))
    if ftype == "enum" and not values:
        r.error(path, "ref-missing-values", f"enum field '{name}' needs values", key=True)
    return LogField(type=ftype, values=values, **common)


def _fields(r: Resolver, raw: Any, path: tuple[Any, ...], objects: dict[str, LogObject]) -> tuple[LogField, ...]:
    out = []
    for name, f in (raw.items() if isinstance(raw, dict) else ()):
        if isinstance(f, dict):
            field = _field(r, name, f, path + (name,), objects)
            if field is not None:
                out.append(field)
    return tuple(out)


MAX_NESTING = 32  # objects in objects (as for tag sets): far beyond any log line, far below the stack


def _object(r: Resolver, name: str, raw: dict[str, Any], objects: dict[str, LogObject],
            chain: tuple[str, ...]) -> None:
    """Resolve object `name` after the objects its fields nest (in any order in the spec); a cycle is an error."""
    if name in objects:
        return
    fields = _d(raw[name], "fields")
    if len(chain) >= MAX_NESTING:
        if not r.parts.setdefault("deep", set()) & {"objects"}:  # once: a long chain is one problem
            r.parts["deep"].add("objects")
            r.error(("logs", "objects", chain[-1]), "ref-nesting-depth",
                    f"objects nest more than {MAX_NESTING} deep ({chain[0]} -> ... -> {name}); flatten them", key=True)
        fields = {}
    for fname, f in fields.items():
        inner = f.get("object") if isinstance(f, dict) else None
        if not isinstance(inner, str) or inner not in raw or inner in objects:
            continue
        if inner == name or inner in chain:
            loop = " -> ".join((chain[chain.index(inner):] if inner in chain else ()) + (name, inner))
            r.error(("logs", "objects", name, "fields", fname, "object"), "ref-object-cycle",
                    (f"object '{name}' contains itself" if inner == name else f"objects nest each other ({loop})")
                    + ": a JSON log line cannot nest an object in itself; flatten the inner level")
            fields = {k: v for k, v in fields.items() if k != fname}
            continue
        _object(r, inner, raw, objects, chain + (name,))
    objects[name] = LogObject(name, _s(raw[name], "description"),
                              _fields(r, fields, ("logs", "objects", name, "fields"), objects),
                              r.pos("logs", "objects", name))


def _logs(r: Resolver) -> None:
    logs = _d(r.data, "logs")
    raw_objects = {k: v for k, v in _d(logs, "objects").items() if isinstance(v, dict)}
    objects: dict[str, LogObject] = {}
    for name in raw_objects:
        _object(r, name, raw_objects, objects, ())
    objects = {k: objects[k] for k in raw_objects if k in objects}  # spec order, not resolution order
    envelope = _fields(r, logs.get("envelope"), ("logs", "envelope"), objects)
    events = []
    for key, e in _d(logs, "events").items():
        if not isinstance(e, dict):
            continue
        service = r.service_ref(e.get("service"), ("logs", "events", key, "service"))
        fields = _fields(r, e.get("fields"), ("logs", "events", key, "fields"), objects)
        disc = _s(e, "discriminator")
        if disc and not any(f.name == disc and f.required for f in fields):
            r.error(("logs", "events", key, "discriminator"), "ref-unknown-discriminator",
                    f"discriminator '{disc}' must be a required field of the event")
        optional, reason = _envelope_override(r, _d(e, "envelope"), ("logs", "events", key, "envelope"), envelope)
        events.append(LogEvent(key, key.split(".", 1)[-1], service, _s(e, "description"), disc, fields,
                               r.pos("logs", "events", key), optional, reason))
    r.parts["logs"] = Logs(_s(logs, "description"), envelope, tuple(objects.values()), tuple(events))


def _envelope_override(r: Resolver, raw: dict[str, Any], path: tuple[Any, ...],
                       envelope: tuple[LogField, ...]) -> tuple[tuple[str, ...], str]:
    """An event's `envelope: {optional: [...], reason: ...}`: required envelope fields it may lack."""
    required = [f.name for f in envelope if f.required]
    out = []
    for i, name in enumerate(_l(raw, "optional")):
        if not isinstance(name, str):
            continue
        if name in required:
            out.append(name)
        elif any(f.name == name for f in envelope):
            r.error(path + ("optional", i), "ref-envelope-optional",
                    f"envelope field '{name}' is already optional; only a required one can be made optional")
        else:
            r.unknown(path + ("optional", i), "envelope-field", name, [f.name for f in envelope])
    return tuple(out), _s(raw, "reason")
