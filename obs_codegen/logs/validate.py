"""Validate JSON Lines log files against the per-service log schemas (library; never prints).

Each line is parsed on its own and checked against the schema of its `service`
(precompiled once per service with `jsonschema`'s Draft 2020-12 validator and
format checking, so `date-time` and `uuid` are really checked). Files are read
line by line: memory stays constant whatever the file size. A line that is not
JSON, not an object, or names no known service is a finding, never a crash.

Messages name the field by JSON path and say what is wrong without echoing the
logged value: a line that fails because it holds raw text or PII must not copy
that text into CI output.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..backends.log_schemas import UNKNOWN_KIND_COMMENT, service_schema
from ..safe_io import describe_os_error, read_regular
from ..spec.model import Model

NOT_JSON = "(not json)"
NO_SERVICE = "(no service)"
UNKNOWN_SERVICE = "(unknown service)"
UNKNOWN_KIND = "(unknown kind)"
MAX_SCHEMA_BYTES = 16 * 1024 * 1024
_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


class SchemaError(ValueError):
    """A schema file is unreadable or not a valid Draft 2020-12 schema."""


@dataclass(frozen=True, order=True)
class Finding:
    """One problem on one line: `file:line: $.path: message`."""

    file: str
    line: int
    path: str
    message: str

    def text(self) -> str:
        return f"{self.file}:{self.line}: {self.path}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "path": self.path, "message": self.message}


@dataclass
class Stats:
    """Counts over every line read: totals and (service, kind) -> valid/invalid."""

    lines: int = 0
    valid: int = 0
    invalid: int = 0
    valid_by_kind: Counter[tuple[str, str]] = field(default_factory=Counter)
    invalid_by_kind: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, service: str, kind: str, ok: bool) -> None:
        self.lines += 1
        if ok:
            self.valid += 1
            self.valid_by_kind[(service, kind)] += 1
        else:
            self.invalid += 1
            self.invalid_by_kind[(service, kind)] += 1

    def rows(self) -> list[tuple[str, str, int, int]]:
        """(service, kind, valid, invalid) sorted by service and kind."""
        keys = sorted(set(self.valid_by_kind) | set(self.invalid_by_kind))
        return [(s, k, self.valid_by_kind[(s, k)], self.invalid_by_kind[(s, k)]) for s, k in keys]

    def to_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines, "valid": self.valid, "invalid": self.invalid,
            "by_kind": [{"service": s, "kind": k, "valid": v, "invalid": i} for s, k, v, i in self.rows()],
        }


@dataclass(frozen=True)
class LineResult:
    service: str
    kind: str
    errors: tuple[tuple[str, str], ...]  # (json path, message)

    @property
    def ok(self) -> bool:
        return not self.errors


def json_path(parts: Iterable[Any]) -> str:
    """`$.sse.firstTokenMs`, `$.items[0]`, `$['odd key']`."""
    out = "$"
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif _IDENT.match(str(p)):
            out += f".{p}"
        else:
            out += "[" + json.dumps(str(p), ensure_ascii=False) + "]"
    return out


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _short(values: Any, limit: int = 12) -> str:
    items = [json.dumps(v, ensure_ascii=False) for v in values]
    return ", ".join(items[:limit]) + (f", ... ({len(items)} in all)" if len(items) > limit else "")


_BOUNDS = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}


def _message(error: Any) -> str:
    """A message for one jsonschema error that never quotes the offending value."""
    kind, want = error.validator, error.validator_value
    if kind == "type":
        return f"must be {want if isinstance(want, str) else ' or '.join(want)}, not {_json_type(error.instance)}"
    if kind == "enum":
        return f"must be one of {_short(want)}"
    if kind == "const":
        return f"must be {json.dumps(want, ensure_ascii=False)}"
    if kind == "pattern":
        return f"does not match {want}"
    if kind == "format":
        return f"is not a valid {want}" + (" (RFC 3339)" if want == "date-time" else "")
    if kind in _BOUNDS:
        return f"must be {_BOUNDS[kind]} {want}"
    if kind == "maxLength":
        return f"is longer than {want} characters"
    if kind == "minLength":
        return f"is shorter than {want} characters"
    if kind is False or kind == "false":
        return "is not allowed"
    message: str = error.message  # a keyword our schemas do not use (a user's own schema)
    return message


# --- fast path -----------------------------------------------------------------------
# jsonschema walks a schema per line (~5k lines/s here). The log schemas use a small
# keyword set, so they are also compiled into plain Python predicates that answer
# "valid?" about 10x faster. The fast path can only accept: every line it rejects is
# re-checked by jsonschema, whose verdict and errors are the ones reported, and a
# schema with any other keyword gets no fast path. A test holds it to jsonschema.

Predicate = Callable[[Any], bool]
_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "$defs", "title", "description", "default", "examples"})
_NUMBER = (int, float)


class Unsupported(Exception):
    """The schema uses a keyword the fast path does not implement."""


def _type_check(kind: str) -> Predicate:
    """Draft 2020-12 types: 1.0 is an integer, booleans are not numbers."""
    if kind == "integer":
        return lambda x: (isinstance(x, int) and not isinstance(x, bool)) or (isinstance(x, float) and x.is_integer())
    if kind == "number":
        return lambda x: isinstance(x, _NUMBER) and not isinstance(x, bool)
    if kind == "null":
        return lambda x: x is None
    python = {"string": str, "boolean": bool, "object": dict, "array": list}.get(kind)
    if python is None:
        raise Unsupported(kind)
    return lambda x: isinstance(x, python)


def _all(checks: list[Predicate]) -> Predicate:
    if len(checks) == 1:
        return checks[0]

    def every(x: Any) -> bool:
        for check in checks:
            if not check(x):
                return False
        return True

    return every


def _number_check(kind: str, bound: Any) -> Predicate:
    ops = {"minimum": float.__ge__, "maximum": float.__le__,
           "exclusiveMinimum": float.__gt__, "exclusiveMaximum": float.__lt__}
    op, limit = ops[kind], float(bound)
    return lambda x: not isinstance(x, _NUMBER) or isinstance(x, bool) or op(float(x), limit)


def _keyword(key: str, value: Any, schema: Mapping[str, Any], compile_: Callable[[Any], Predicate]) -> Predicate | None:
    from jsonschema import Draft202012Validator

    if key == "type":
        kinds = [_type_check(k) for k in ([value] if isinstance(value, str) else value)]
        return kinds[0] if len(kinds) == 1 else (lambda x: any(k(x) for k in kinds))
    if key in ("enum", "const"):
        allowed = frozenset(value if key == "enum" else [value])
        if not all(isinstance(v, str) for v in allowed):
            raise Unsupported(key)  # jsonschema's equality rules for numbers and bools differ from Python's
        return lambda x: isinstance(x, str) and x in allowed
    if key == "pattern":
        search = re.compile(value).search
        return lambda x: not isinstance(x, str) or search(x) is not None
    if key == "format":
        conforms = Draft202012Validator.FORMAT_CHECKER.conforms
        return lambda x: conforms(x, value)
    if key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return _number_check(key, value)
    if key in ("maxLength", "minLength"):
        n, longest = int(value), key == "maxLength"
        return lambda x: not isinstance(x, str) or (len(x) <= n if longest else len(x) >= n)
    if key == "required":
        names = tuple(value)
        return lambda x: not isinstance(x, dict) or all(k in x for k in names)
    if key == "properties":
        subs = [(k, compile_(v)) for k, v in value.items() if v is not True]

        def properties(x: Any) -> bool:
            if isinstance(x, dict):
                for k, sub in subs:
                    if k in x and not sub(x[k]):
                        return False
            return True

        return properties
    if key == "additionalProperties":
        if "patternProperties" in schema:
            raise Unsupported(key)
        known, extra = frozenset(schema.get("properties", {})), compile_(value)
        if value is False:
            return lambda x: not isinstance(x, dict) or known.issuperset(x)
        return lambda x: not isinstance(x, dict) or all(extra(v) for k, v in x.items() if k not in known)
    if key == "if":
        cond, then, else_ = compile_(value), compile_(schema.get("then", True)), compile_(schema.get("else", True))
        return lambda x: then(x) if cond(x) else else_(x)
    if key in ("then", "else"):
        return None  # part of `if`
    if key == "$ref":
        return compile_(value)
    raise Unsupported(key)


def compile_fast(schema: Any, root: Mapping[str, Any]) -> Predicate:
    """A predicate equivalent to validating against `schema` (local `#/$defs/` refs only)."""
    refs: dict[str, Predicate] = {}

    def compile_(node: Any) -> Predicate:
        if isinstance(node, str):  # a $ref
            if not node.startswith("#/$defs/") or node[len("#/$defs/"):] not in root.get("$defs", {}):
                raise Unsupported(node)
            if node not in refs:
                cell: list[Predicate] = []
                refs[node] = lambda x: cell[0](x)
                cell.append(compile_(root["$defs"][node[len("#/$defs/"):]]))
            return refs[node]
        if node is True or node is False:
            return (lambda x: True) if node else (lambda x: False)
        if not isinstance(node, Mapping):
            raise Unsupported(repr(node))
        checks = [c for k, v in node.items() if k not in _ANNOTATIONS
                  for c in [_keyword(k, v, node, compile_)] if c is not None]
        return _all(checks) if checks else (lambda x: True)

    return compile_(schema)


class ServiceChecker:
    """The compiled schema of one service plus what is needed to name event kinds."""

    def __init__(self, service: str, schema: Mapping[str, Any]):
        from jsonschema import Draft202012Validator

        self.service = service
        self.validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        try:
            self.fast: Predicate | None = compile_fast(schema, schema)
        except Unsupported:
            self.fast = None
        self.kinds: list[tuple[Predicate, str, str]] = []  # (the `if` as a predicate, kind title, discriminator)
        defs = schema.get("$defs", {})
        node: Any = schema
        while isinstance(node, Mapping) and "if" in node:
            ref = node.get("then", {}).get("$ref", "") if isinstance(node.get("then"), Mapping) else ""
            target = defs.get(ref.rsplit("/", 1)[-1], {}) if ref.startswith("#/$defs/") else {}
            title = target.get("title", ref or "?") if isinstance(target, Mapping) else "?"
            required = node["if"].get("required", []) if isinstance(node["if"], Mapping) else []
            try:
                cond = compile_fast(node["if"], schema)
            except Unsupported:
                cond = Draft202012Validator(node["if"], format_checker=Draft202012Validator.FORMAT_CHECKER).is_valid
            self.kinds.append((cond, str(title), ",".join(required)))
            node = node.get("else")
        self.depth = len(self.kinds)

    def kind_of(self, obj: Mapping[str, Any]) -> str:
        for cond, title, _ in self.kinds:
            if cond(obj):
                return title
        return UNKNOWN_KIND if self.kinds else "-"

    def errors(self, obj: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
        """Every problem as (JSON path, message); () when the line is valid."""
        if self.fast is not None and self.fast(obj):
            return ()
        found: set[tuple[str, str]] = set()
        for error in self.validator.iter_errors(obj):
            found.update(self._explain(error))
        return tuple(sorted(found))

    def _explain(self, error: Any) -> Iterator[tuple[str, str]]:
        path = list(error.absolute_path)
        schema_path = list(error.absolute_schema_path)
        if error.validator == "required" and schema_path[: self.depth] == ["else"] * self.depth \
                and isinstance(error.schema, Mapping) and error.schema.get("$comment") == UNKNOWN_KIND_COMMENT:
            options = "; ".join(f"`{d}` for {t}" for _, t, d in self.kinds)
            yield json_path(path), f"unknown event kind: no discriminator field ({options})"
        elif error.validator == "required":
            for name in error.validator_value:
                if isinstance(error.instance, dict) and name not in error.instance:
                    yield json_path(path + [name]), "required property is missing"
        elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = error.schema.get("properties", {})
            where = error.schema.get("title", "this object")
            for name in error.instance:
                if name not in allowed:
                    yield json_path(path + [name]), f"property not allowed in {where} (unknown field; never log raw content or PII)"
        else:
            yield json_path(path), _message(error)


def _finite_float(text: str) -> float:
    """JSON numbers too large for a double (1e400) are not valid log values, as in JavaScript."""
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number {text} is out of range")
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class LogValidator:
    """Validates parsed log lines; one precompiled checker per service."""

    def __init__(self, schemas: Mapping[str, Mapping[str, Any]]):
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import SchemaError as JsonSchemaError

        self.checkers: dict[str, ServiceChecker] = {}
        for service, schema in sorted(schemas.items()):
            try:
                Draft202012Validator.check_schema(schema)
            except JsonSchemaError as exc:
                raise SchemaError(f"schema for service '{service}' is invalid: {exc.message}") from exc
            self.checkers[service] = ServiceChecker(service, schema)

    @classmethod
    def from_model(cls, model: Model) -> LogValidator:
        built = {s.name: service_schema(model, s.name) for s in model.services}
        return cls({name: schema for name, schema in built.items() if schema is not None})

    @classmethod
    def from_dir(cls, directory: Path) -> LogValidator:
        """Every `<service>.schema.json` in `directory`."""
        schemas: dict[str, Any] = {}
        for path in sorted(Path(directory).glob("*.schema.json")):
            try:
                raw = read_regular(path, MAX_SCHEMA_BYTES)  # never a FIFO or device, never unbounded
                schemas[path.name[: -len(".schema.json")]] = json.loads(raw.decode("utf-8"))
            except OSError as exc:
                raise SchemaError(f"{path}: {describe_os_error(exc)}") from exc
            except ValueError as exc:
                raise SchemaError(f"{path}: {exc}") from exc
        if not schemas:
            raise SchemaError(f"no *.schema.json files in {directory}")
        return cls(schemas)

    def check_object(self, obj: Any) -> LineResult:
        if not isinstance(obj, dict):
            return LineResult(NOT_JSON, "-", (("$", f"must be a JSON object, not {_json_type(obj)}"),))
        service = obj.get("service")
        checker = self.checkers.get(service) if isinstance(service, str) else None
        if checker is None:
            known = ", ".join(self.checkers)
            if service is None:
                return LineResult(NO_SERVICE, "-", (("$.service", f"required property is missing (one of {known})"),))
            return LineResult(UNKNOWN_SERVICE, "-", (("$.service", f"is not a service that logs (one of {known})"),))
        assert isinstance(service, str)
        return LineResult(service, checker.kind_of(obj), checker.errors(obj))

    def check_line(self, raw: bytes | str) -> LineResult:
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            obj = json.loads(text.rstrip("\r\n"), parse_constant=_reject_constant, parse_float=_finite_float)
        except UnicodeDecodeError as exc:
            return LineResult(NOT_JSON, "-", (("$", f"not UTF-8 ({exc.reason} at byte {exc.start})"),))
        except json.JSONDecodeError as exc:
            return LineResult(NOT_JSON, "-", (("$", f"not JSON: {exc.msg} at column {exc.colno}"),))
        except ValueError as exc:
            return LineResult(NOT_JSON, "-", (("$", f"not JSON: {exc}"),))
        except RecursionError:
            return LineResult(NOT_JSON, "-", (("$", "not a log event: nested too deeply"),))
        try:
            return self.check_object(obj)
        except RecursionError:
            return LineResult(NOT_JSON, "-", (("$", "not a log event: nested too deeply"),))

    def validate_lines(self, lines: Iterable[bytes | str], file: str, stats: Stats) -> Iterator[Finding]:
        """Check each non-blank line, count it in `stats`, and yield its findings."""
        for number, raw in enumerate(lines, 1):
            if not raw.strip():
                continue
            result = self.check_line(raw)
            stats.add(result.service, result.kind, result.ok)
            for path, message in result.errors:
                yield Finding(file, number, path, message)
