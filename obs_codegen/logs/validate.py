"""Validate JSON Lines log files against the per-service log schemas (library; never prints).

Each line is parsed on its own and checked against the schema of its `service`, compiled once
per service by jsonschema-rs (a Rust Draft 2020-12 validator with format checking, so
`date-time` and `uuid` are really checked, and ECMA-262 patterns read as ajv reads them). A line
it rejects is explained by Python's `jsonschema` (set up to give ajv's verdicts, `compat`), which
names each field and what is wrong; tests hold the three engines (jsonschema-rs, jsonschema, ajv)
to the same verdicts on every fixture. Files are read line by line: memory stays constant
whatever the file size (`--jobs N` checks chunks in N processes, findings in file order). A line
that is not JSON, not an object, or names no known service is a finding, never a crash.

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
from typing import TYPE_CHECKING, Any

from ..diagnostics import printable
from ..safe_io import describe_os_error, read_regular
from .decode import STRICT, DuplicateKey, fast_object, lenient_loads
from .messages import json_path, json_type, message

if TYPE_CHECKING:  # the backends and the model are imported only to build schemas from a spec (from_model)
    from ..spec.model import Model

__all__ = ["Finding", "LineResult", "LogValidator", "SchemaError", "ServiceChecker", "Stats", "json_path",
           "native_validator"]

Predicate = Callable[[Any], bool]


def native_validator(schema: Mapping[str, Any]) -> Predicate | None:
    """jsonschema-rs's `is_valid` for `schema` (formats checked), or None when it cannot compile the schema
    (a pattern its ECMA-262 engine refuses): the line is then checked by Python's jsonschema alone."""
    import jsonschema_rs

    try:
        return jsonschema_rs.Draft202012Validator(dict(schema), validate_formats=True).is_valid
    except ValueError:  # jsonschema_rs.ValidationError is one
        return None

NOT_JSON = "(not json)"
NO_SERVICE = "(no service)"
UNKNOWN_SERVICE = "(unknown service)"
UNKNOWN_KIND = "(unknown kind)"
MAX_SCHEMA_BYTES = 16 * 1024 * 1024


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
        return f"{printable(self.file)}:{self.line}: {printable(self.path)}: {printable(self.message)}"

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


def _selector(condition: Any) -> Predicate | None:
    """The event-kind condition the log schemas write (`LogEvent.discriminator_values`: the field is present
    and, for an enum, has one of the values) as a direct test, which saves a validator call per line;
    None for any other shape."""
    if not isinstance(condition, Mapping) or set(condition) != {"required", "properties"}:
        return None
    required, props = condition["required"], condition["properties"]
    if not (isinstance(required, list) and len(required) == 1 and isinstance(props, Mapping)
            and list(props) == required and isinstance(required[0], str)):
        return None
    name, rule = required[0], props[required[0]]
    if rule is True:
        return lambda obj: name in obj
    if isinstance(rule, Mapping) and set(rule) == {"enum"} and isinstance(rule["enum"], list) \
            and all(isinstance(v, str) for v in rule["enum"]):
        values = frozenset(rule["enum"])
        return lambda obj: isinstance(obj.get(name), str) and obj[name] in values
    return None


def _python_predicate(schema: Mapping[str, Any]) -> Predicate:
    from .compat import validator

    is_valid: Predicate = validator(schema).is_valid
    return is_valid


class ServiceChecker:
    """The compiled schema of one service plus what is needed to name event kinds."""

    def __init__(self, service: str, schema: Mapping[str, Any]):
        from .pii import FreeText

        self.service = service
        self.schema = schema
        self._validator: Any = None
        self.free_text = FreeText(schema)
        self.native = native_validator(schema)
        self.kinds: list[tuple[Predicate, str, str, Any]] = []  # (the `if` as a predicate, title, discriminator, schema)
        defs = schema.get("$defs", {})
        node: Any = schema
        while isinstance(node, Mapping) and "if" in node:
            ref = node.get("then", {}).get("$ref", "") if isinstance(node.get("then"), Mapping) else ""
            target = defs.get(ref.rsplit("/", 1)[-1], {}) if ref.startswith("#/$defs/") else {}
            title = target.get("title", ref or "?") if isinstance(target, Mapping) else "?"
            required = node["if"].get("required", []) if isinstance(node["if"], Mapping) else []
            cond = _selector(node["if"]) or native_validator(node["if"]) or _python_predicate(node["if"])
            self.kinds.append((cond, str(title), ",".join(required), target))
            node = node.get("else")
        self.depth = len(self.kinds)

    @property
    def validator(self) -> Any:
        """Python's jsonschema (set up as ajv reads schemas, `compat`, references inlined, `inline`), which
        explains rejected lines; built, and jsonschema imported, on first use."""
        if self._validator is None:
            from .compat import validator
            from .inline import inline_refs

            self._validator = validator(inline_refs(self.schema))
        return self._validator

    def kind_of(self, obj: Mapping[str, Any]) -> str:
        return self._kind(obj)[0]

    def _kind(self, obj: Mapping[str, Any]) -> tuple[str, Any]:
        for cond, title, _, target in self.kinds:
            if cond(obj):
                return title, target
        return (UNKNOWN_KIND if self.kinds else "-"), None

    def personal_data(self, obj: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
        """(JSON path, message) for each free-text string that looks like personal data (`--pii`)."""
        schemas = [self.schema, self._kind(obj)[1]]
        return tuple(sorted({(json_path(path), f"looks like {kind} (free text must not carry personal data)")
                             for path, kind in self.free_text.scan(obj, [s for s in schemas if s is not None])}))

    def errors(self, obj: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
        """Every problem as (JSON path, message); () when the line is valid."""
        try:
            if self.native is not None and self.native(obj):
                return ()
        except ValueError:  # a lone surrogate (UnicodeEncodeError) jsonschema-rs cannot take: jsonschema decides
            pass
        found: set[tuple[str, str]] = set()
        for error in self.validator.iter_errors(obj):
            found.update(self._explain(error))
        return tuple(sorted(found))

    def _explain(self, error: Any) -> Iterator[tuple[str, str]]:
        from ..backends.log_schemas import UNKNOWN_KIND_COMMENT

        path = list(error.absolute_path)
        schema_path = list(error.absolute_schema_path)
        if error.validator == "required" and schema_path[: self.depth] == ["else"] * self.depth \
                and isinstance(error.schema, Mapping) and error.schema.get("$comment") == UNKNOWN_KIND_COMMENT:
            options = "; ".join(f"`{d}` for {t}" for _, t, d, _ in self.kinds)
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
            yield json_path(path), message(error)


class LogValidator:
    """Validates parsed log lines; one precompiled checker per service."""

    def __init__(self, schemas: Mapping[str, Mapping[str, Any]], pii: bool = False):
        from .meta import InvalidSchema, check_schema

        self.pii = pii
        self.checkers: dict[str, ServiceChecker] = {}
        for service, schema in sorted(schemas.items()):
            try:
                check_schema(schema)
                self.checkers[service] = ServiceChecker(service, schema)
            except InvalidSchema as exc:
                raise SchemaError(f"schema for service '{service}' is invalid: {exc.message}") from exc
            except (re.error, OverflowError, RecursionError) as exc:  # a pattern Python cannot compile
                raise SchemaError(f"schema for service '{service}' has a pattern Python cannot compile: {exc}") from exc

    @classmethod
    def from_model(cls, model: Model, pii: bool = False) -> LogValidator:
        from ..backends.identifiers import CodegenError
        from ..backends.log_schemas import service_schema

        try:
            built = {s.name: service_schema(model, s.name) for s in model.services}
        except CodegenError as exc:  # a spec `lint` rejects
            raise SchemaError(exc.message) from exc
        return cls({name: schema for name, schema in built.items() if schema is not None}, pii)

    @classmethod
    def from_dir(cls, directory: Path, pii: bool = False) -> LogValidator:
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
        return cls(schemas, pii)

    def check_object(self, obj: Any) -> LineResult:
        if not isinstance(obj, dict):
            return LineResult(NOT_JSON, "-", (("$", f"must be a JSON object, not {json_type(obj)}"),))
        service = obj.get("service")
        checker = self.checkers.get(service) if isinstance(service, str) else None
        if checker is None:
            known = ", ".join(self.checkers)
            if service is None:
                return LineResult(NO_SERVICE, "-", (("$.service", f"required property is missing (one of {known})"),))
            return LineResult(UNKNOWN_SERVICE, "-", (("$.service", f"is not a service that logs (one of {known})"),))
        assert isinstance(service, str)
        errors = checker.errors(obj)
        if self.pii:
            errors = tuple(sorted(set(errors) | set(checker.personal_data(obj))))
        return LineResult(service, checker.kind_of(obj), errors)

    def check_line(self, raw: bytes | str) -> LineResult:
        return self._check(raw, fast_object(raw))

    def _check(self, raw: bytes | str, obj: dict[str, Any] | None) -> LineResult:
        """The verdict on line `raw`; `obj` is its object when `fast_object` proved it, else the strict decoder reads it."""
        if obj is None:
            try:
                text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                obj = STRICT.decode(text.rstrip("\r\n"))
            except DuplicateKey as exc:
                return self._duplicate(text, exc.key)
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

    def verdict(self, raw: bytes | str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
        """(service, kind, errors) of line `raw`, as `check_line` decides it; a valid line proven by orjson
        and jsonschema-rs alone (the common case, about 5 us) creates nothing else."""
        obj = fast_object(raw)
        if obj is not None and not self.pii:
            service = obj.get("service")
            if type(service) is str:
                checker = self.checkers.get(service)
                if checker is not None and checker.native is not None and checker.native(obj):
                    return service, checker.kind_of(obj), ()
        result = self._check(raw, obj)
        return result.service, result.kind, result.errors

    def _duplicate(self, text: str, key: str) -> LineResult:
        """A line whose object repeats `key`: invalid whatever the values (JSON.parse keeps the last one,
        another reader the first), and checked as JavaScript would read it for the other problems."""
        duplicate = ("$", f"the key {key!r} appears twice in one object: readers disagree on which value counts")
        try:
            read = self.check_object(lenient_loads(text))
        except (ValueError, RecursionError):
            return LineResult(NOT_JSON, "-", (duplicate,))
        return LineResult(read.service, read.kind, tuple(sorted(set(read.errors) | {duplicate})))

    def validate_lines(self, lines: Iterable[bytes | str], file: str, stats: Stats) -> Iterator[Finding]:
        """Check each non-blank line, count it in `stats`, and yield its findings."""
        verdict, counts = self.verdict, stats.valid_by_kind
        for number, raw in enumerate(lines, 1):
            service, kind, errors = verdict(raw)
            if not errors:
                stats.lines += 1
                stats.valid += 1
                counts[(service, kind)] += 1
            elif raw.strip():
                stats.add(service, kind, False)
                for path, message in errors:
                    yield Finding(file, number, path, message)
