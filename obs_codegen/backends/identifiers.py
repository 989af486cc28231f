"""Identifier derivation for generated TypeScript and Python, and the view both code backends render.

The rule (documented in the README) is the same in both languages:

  * constants are UPPER_SNAKE of the spec name: `naming.snake_case(name).upper()`,
    so `x-request-id` -> `X_REQUEST_ID`, `next.request.latency_ms` ->
    `NEXT_REQUEST_LATENCY_MS`, `userIdHash` -> `USER_ID_HASH`;
  * type names are PascalCase of the spec name's words plus a suffix naming the kind:
    `py.provider_call` -> `PyProviderCallEvent`, `webVitals` -> `WebVitalsObject`;
  * spec values that are not identifiers (header names, log field keys, enum values)
    are never turned into identifiers: they stay string literals or quoted keys.

A derived identifier must be a valid identifier in the target language, must not be
a reserved word, and must be unique within its module (two spec names mapping to the
same identifier, or a spec name mapping to a name the module itself defines, is a
collision). Violations raise `IdentifierError`, a `CodegenError` carrying the spec
position so the caller can turn it into a `Diagnostic`.

`view(model, language, builtins)` derives every identifier and returns the
language-neutral template context shared by the `typescript` and `python` backends.
"""

from __future__ import annotations

import keyword
import re
import sys
from dataclasses import dataclass
from typing import Any, Literal

from ..spec import naming
from ..spec.model import Metric, Model, Pos

Language = Literal["typescript", "python"]

# ECMAScript reserved words (strict mode), TypeScript contextual keywords that cannot
# name a type, and global names a module-level declaration must not shadow.
TS_RESERVED = frozenset((
    "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do",
    "else", "enum", "export", "extends", "false", "finally", "for", "function", "if", "import", "in",
    "instanceof", "new", "null", "return", "super", "switch", "this", "throw", "true", "try", "typeof",
    "var", "void", "while", "with", "implements", "interface", "let", "package", "private", "protected",
    "public", "static", "yield", "await", "any", "boolean", "never", "number", "object", "string",
    "symbol", "unknown", "bigint", "undefined", "type", "declare", "namespace", "module", "async", "of",
    "as", "from", "get", "set", "require", "NaN", "Infinity", "Object", "Array", "String", "Number",
    "Boolean", "Symbol", "Error", "Promise", "Record", "Partial", "Readonly", "Required", "Pick",
    "Omit", "Map", "Set", "RegExp", "Date", "JSON", "Math",
))

# Python keywords, soft keywords and builtins that generated code must not shadow.
PY_RESERVED = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset((
    "int", "float", "str", "bool", "bytes", "list", "dict", "set", "tuple", "object", "type", "len",
    "print", "id", "hash", "input", "Final", "Literal", "Mapping", "Required", "NotRequired",
    "TypedDict", "Optional", "Union", "Any"
))

_TS_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")  # applied with fullmatch: `$` would accept a final newline
_PY_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class CodegenError(ValueError):
    """The model cannot be rendered into code; `rule` and `pos` (or the spec `path` of the value) make it a Diagnostic."""

    def __init__(self, message: str, rule: str = "codegen", pos: Pos | None = None, path: tuple[str, ...] = ()):
        super().__init__(message)
        self.message = message
        self.rule = rule
        self.pos = pos
        self.path = path


class IdentifierError(CodegenError):
    """A derived identifier is invalid, reserved, or collides with another one."""

    def __init__(self, message: str, identifier: str, language: Language, pos: Pos | None = None,
                 rule: str = "codegen-identifier"):
        super().__init__(message, rule, pos)
        self.identifier = identifier
        self.language = language


def words(name: str) -> list[str]:
    """Lower-case words of a spec name: `py.provider_call` -> ['py', 'provider', 'call']."""
    return [w for w in naming.snake_case(name).split("_") if w]


def upper_snake(name: str) -> str:
    """`x-request-id` -> `X_REQUEST_ID` (the constant-name rule)."""
    return "_".join(words(name)).upper()


def pascal_case(name: str, suffix: str = "") -> str:
    """`py.provider_call`, suffix `Event` -> `PyProviderCallEvent` (the type-name rule)."""
    return "".join(w[:1].upper() + w[1:] for w in words(name)) + suffix


def is_ts_identifier(text: str) -> bool:
    """True when `text` can be a bare property name / identifier in TypeScript."""
    return bool(_TS_IDENT.fullmatch(text))


def is_py_identifier(text: str) -> bool:
    """True when `text` can be a TypedDict class-syntax key (identifier, not a keyword)."""
    return bool(_PY_IDENT.fullmatch(text)) and not keyword.iskeyword(text)


def check(identifier: str, language: Language, source: str, pos: Pos | None = None) -> str:
    """Return `identifier` if valid and not reserved in `language`, else raise IdentifierError."""
    pattern, reserved = (_TS_IDENT, TS_RESERVED) if language == "typescript" else (_PY_IDENT, PY_RESERVED)
    if not identifier or not pattern.fullmatch(identifier):
        raise IdentifierError(
            f"{source}: derived {language} identifier {identifier!r} is not valid "
            "(it must start with a letter after removing punctuation); rename it in the spec",
            identifier, language, pos, "codegen-identifier-invalid")
    if identifier in reserved:
        raise IdentifierError(
            f"{source}: derived {language} identifier {identifier!r} is a reserved word or builtin; "
            "rename it in the spec", identifier, language, pos, "codegen-identifier-reserved")
    return identifier


@dataclass
class IdentifierTable:
    """The identifiers of one generated module; `claim` checks validity and uniqueness."""

    language: Language
    module: str
    taken: dict[str, str]  # identifier -> what claimed it

    @classmethod
    def for_module(cls, language: Language, module: str, builtins: tuple[str, ...] = ()) -> IdentifierTable:
        """A table pre-filled with the names the module template defines itself."""
        return cls(language, module, {b: f"the {module} module's own '{b}'" for b in builtins})

    def claim(self, identifier: str, source: str, pos: Pos | None = None) -> str:
        check(identifier, self.language, source, pos)
        if identifier in self.taken:
            raise IdentifierError(
                f"{source}: derived {self.language} identifier {identifier!r} in {self.module} collides "
                f"with {self.taken[identifier]}; rename one of them in the spec",
                identifier, self.language, pos, "codegen-identifier-collision")
        self.taken[identifier] = source
        return identifier


@dataclass(frozen=True)
class Names:
    """Every identifier derived from one model for one language (spec name -> identifier)."""

    headers: dict[str, str]  # header name -> constant, `x-request-id` -> X_REQUEST_ID
    metrics: dict[str, str]  # metric key -> constant, `next.request.count` -> NEXT_REQUEST_COUNT
    tag_types: dict[str, str]  # enum tag -> value type, `errorType` -> ErrorTypeValue
    objects: dict[str, str]  # log object -> type, `webVitals` -> WebVitalsObject
    events: dict[str, str]  # log event key -> type, `py.provider_call` -> PyProviderCallEvent
    renamed: dict[str, str]  # metric key -> the constant of its former name (`renamed_from`), kept as an alias


def derive(model: Model, language: Language, builtins: tuple[str, ...] = ()) -> Names:
    """Derive and check every identifier of the generated package; raises IdentifierError.

    One table covers the whole package because the index module re-exports every
    module (`export *` / `from .x import ...`); `builtins` are the names the templates
    define themselves (helpers, interfaces), which spec-derived names must not take.
    """
    table = IdentifierTable.for_module(language, "generated package", builtins)

    def claim(kind: str, name: str, ident: str, pos: Pos) -> str:
        return table.claim(ident, f"{kind} '{name}'", pos)

    return Names(
        headers={h.name: claim("header", h.name, upper_snake(h.name), h.pos) for h in model.headers},
        metrics={m.key: claim("metric", m.key, upper_snake(m.key), m.pos) for m in model.metrics},
        tag_types={t.name: claim("tag", t.name, pascal_case(t.name, "Value"), t.pos)
                   for t in model.tags if t.kind == "enum"},
        objects={o.name: claim("log object", o.name, pascal_case(o.name, "Object"), o.pos)
                 for o in model.logs.objects},
        events={e.key: claim("log event", e.key, pascal_case(e.key, "Event"), e.pos) for e in model.logs.events},
        renamed={m.key: claim("former metric name", old, upper_snake(old), m.pos) for m, old in _renames(model)},
    )


def _renames(model: Model) -> list[tuple[Metric, str]]:
    """Metrics whose former name gets an alias: one per former name that is not a current metric
    (lint's `spec-renamed-from` reports the others; an alias would only repeat that as a collision)."""
    keys = {m.key for m in model.metrics}
    seen: set[str] = set()
    out = []
    for m in model.metrics:
        if m.renamed_from is not None and m.renamed_from not in keys and m.renamed_from not in seen:
            seen.add(m.renamed_from)
            out.append((m, m.renamed_from))
    return out


# `\1`-`\9` are not here: a backreference to a group that did not take part matches the empty
# string in JavaScript and fails in Python (`^(a)?\1$` on "").
_SAFE_LETTER_ESCAPES = frozenset("dDwWsSbBnrtfv0ux")


def portable_pattern(pattern: str, source: str, pos: Pos | None = None) -> str:
    """Return `pattern` anchored (`^...$`), after checking it means the same in JS and Python `re`.

    Rejected: Python/PCRE-only syntax (`(?P<..>`, inline flags, `(?#`, `(?>`, `\\A`, `\\Z`,
    `{,n}`, possessive quantifiers), backreferences, a character outside the BMP in a class or
    before a quantifier, and anything Python cannot compile. Generated Python matches with
    `re.fullmatch(..., re.ASCII)`, JavaScript with `RegExp#test` (no flags); the helpers test
    only printable-ASCII values, on which `.`, `\\s`, `\\w`, `\\b` and negated classes agree.
    """
    def fail(why: str) -> CodegenError:
        return CodegenError(f"{source}: pattern {pattern!r} {why}; use syntax common to JavaScript and Python",
                            "codegen-pattern-portability", pos)

    try:
        re.compile(pattern)
    except re.error as exc:
        raise fail(f"is not a valid regular expression ({exc})") from None
    depth, top_level_alt, in_class, i = 0, False, False, 0
    while i < len(pattern):
        c = pattern[i]
        nxt = pattern[i + 1] if i + 1 < len(pattern) else ""
        if c == "\\":
            if nxt.isalnum() and nxt not in _SAFE_LETTER_ESCAPES:
                raise fail(f"uses the escape \\{nxt}")
            i += 2
            continue
        if ord(c) > 0xFFFF and (in_class or nxt[:1] in ("?", "*", "+", "{")):
            raise fail("quantifies or classes a character outside the BMP, which JavaScript reads as two UTF-16 units")
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if nxt == "]" or pattern.startswith("[^]", i):
                raise fail("starts a character class with ']', which JavaScript reads as an empty class")
        elif c == "(":
            depth += 1
            if nxt == "?" and not pattern.startswith(("(?:", "(?=", "(?!", "(?<=", "(?<!"), i):
                raise fail("uses a group extension only Python understands")
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            top_level_alt = True
        elif c == "{" and nxt == ",":
            raise fail("uses {,n}, which JavaScript reads as literal text")
        elif c in "*+?}" and nxt == "+":
            raise fail("uses a possessive quantifier")
        i += 1
    if pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$") and not top_level_alt:
        return pattern
    return f"^(?:{pattern})$"


# Top-level modules a generated Python package must not shadow: the standard library (also the
# modules removed from it since 3.11, still installed where older code runs) and the packages
# the generated code imports or that sit next to it in every service.
PY_SHADOWED = frozenset(sys.stdlib_module_names) | frozenset((
    "asynchat", "asyncore", "distutils", "imp", "smtpd", "cgi", "cgitb", "crypt", "nntplib", "pipes", "telnetlib",
    "prometheus_client", "opentelemetry", "typing_extensions", "mypy_extensions", "setuptools", "pkg_resources",
    "pip", "wheel", "pytest", "mypy", "obs_codegen",
))
# Node.js core modules: an unscoped npm package of the same name cannot be published, and `import` resolves
# the core module first.
NODE_CORE = frozenset((
    "assert", "async_hooks", "buffer", "child_process", "cluster", "console", "constants", "crypto", "dgram",
    "diagnostics_channel", "dns", "domain", "events", "fs", "http", "http2", "https", "inspector", "module", "net",
    "os", "path", "perf_hooks", "process", "punycode", "querystring", "readline", "repl", "stream",
    "string_decoder", "sys", "test", "timers", "tls", "trace_events", "tty", "url", "util", "v8", "vm", "wasi",
    "worker_threads", "zlib", "node_modules", "favicon.ico",
))
NPM_NAME = re.compile(r"(?:@[a-z0-9-][a-z0-9._-]*/)?[a-z0-9-][a-z0-9._-]*")  # npm's rules for new packages
NPM_MAX_LENGTH = 214


def check_packages(model: Model, language: Language) -> str:
    """The package name of `language`, checked against its grammar and reserved names; raises CodegenError.

    Python: an identifier, not a keyword or builtin, and not the name of a standard-library
    module or of a package the generated code imports (`json`, `typing`, `prometheus_client`),
    which `import <package>` would shadow. npm: lower case, URL-safe, at most 214 characters,
    not a Node.js core module.
    """
    if language == "python":
        name, path = model.project.python_package, ("project", "packages", "python")
        why = ("is not a Python identifier (a letter or '_', then letters, digits and '_')"
               if not _PY_IDENT.fullmatch(name) else "is a Python keyword or builtin" if name in PY_RESERVED
               else "is a standard-library module or a package the generated code imports, which `import` would shadow"
               if name in PY_SHADOWED else "")
        if why:
            raise CodegenError(f"project.packages.python: {name!r} {why}; choose another name", "codegen-package-name",
                               model.project.pos, path)
        return name
    name, path = model.project.typescript_package, ("project", "packages", "typescript")
    if not NPM_NAME.fullmatch(name) or len(name) > NPM_MAX_LENGTH or name in NODE_CORE:
        why = (f"is longer than {NPM_MAX_LENGTH} characters" if len(name) > NPM_MAX_LENGTH
               else "is a Node.js core module" if name in NODE_CORE
               else "is not a valid npm package name (lower-case letters, digits, '-', '.', '_', optionally @scope/)")
        raise CodegenError(f"project.packages.typescript: {name!r} {why}", "codegen-package-name", model.project.pos,
                           path)
    return name


def exact_number(value: float) -> str:
    """A number literal valid in both languages with exactly the spec's value: `25`, `0.01`, `1e-12`.

    Used for histogram bucket bounds: the client library exposes them as the `le` label, so
    they must round-trip exactly (Python's shortest `repr`), never rounded. PromQL text uses
    `promql.rounded_number` instead, which rounds away the float noise of computed values
    (99.9 / 100) and would turn a bound such as 1e-12 into 0.
    """
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def view(model: Model, language: Language, builtins: tuple[str, ...] = ()) -> dict[str, Any]:
    """The template context for a code backend: identifiers checked, patterns made portable."""
    names = derive(model, language, builtins)
    headers: list[dict[str, Any]] = [
        {"const": names.headers[h.name], "spec": h,
             "pattern": portable_pattern(h.pattern, f"header '{h.name}'", h.pos)}
        for h in model.headers
    ]
    hops = [
        {"spec": hop, "allowed": [names.headers[h.name] for h in model.headers_for_hop(hop.name)
                                if not ((h.secret or h.identity) and hop.external)]}
        for hop in model.hops
    ]
    metrics = [
        {"const": names.metrics[m.key], "spec": m, "buckets": [exact_number(b) for b in m.buckets],
         "alias": names.renamed.get(m.key)} for m in model.metrics
    ]
    logs = model.logs
    # Every (field, service) pair the logs module types, so a backend can collect its imports before rendering.
    log_fields = [(f, e.service) for e in logs.events for f in logs.envelope + e.fields] + [
        (f, None) for f in logs.envelope + tuple(f for o in logs.objects for f in o.fields)]
    return {
        "spec_path": model.spec_path,
        "project": model.project,
        "services": [s.name for s in model.services],
        "headers": headers,
        "groups": [(g, [h for h in headers if h["spec"].group == g]) for g in model.header_groups],
        "hops": hops,
        "sse": [h for h in headers if h["spec"].group == "sse" and h["spec"].value is not None],
        "metrics": metrics,
        "enum_tags": [(t, names.tag_types[t.name]) for t in model.tags if t.kind == "enum"],
        "hashed_tags": [t for t in model.tags if t.kind == "hashed_id"],
        "logs": logs,
        "log_fields": log_fields,
        "names": names,
    }
