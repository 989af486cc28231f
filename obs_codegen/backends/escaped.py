"""Escaped output: the values a template may print, the escaping filters, and the rules Jinja2 enforces.

See `templating` for the rules as a template author meets them. Here: `Escaped` (text an
escaper made for some template languages), `FILTERS` (the escapers of `escape` as Jinja2
filters, with the languages their output is valid in), `escaped`/`code`/`code_join` for
backends that build template values in Python, and the environment whose `finalize` hook
refuses any other printed value, whose parser refuses `{% filter %}` blocks, and whose
rendered Python and TypeScript are checked by `contexts`. Loaded only when something renders:
`check`'s fast path imports `templating` and nothing of this.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from . import contexts, escape
from .contexts import Kind
from .escape import Language

if TYPE_CHECKING:
    import jinja2


class Escaped(str):
    """Text made safe by `origin` (an escaper) for the template languages in `languages` (None: every one).

    Each (languages, origin) pair is a subclass of its own (`kind`) holding the two as class
    attributes, so a piece is a bare `str` with no instance dictionary: a large template's output
    holds millions of pieces at once, and `finalize` decides each by its type alone."""

    __slots__ = ()
    languages: frozenset[Language] | None
    origin: str

    def __new__(cls, text: str, languages: Iterable[Language] | None, origin: str) -> Escaped:
        return kind(languages, origin)(text)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled and copied by what makes it (a kind's qualified name is the base class's)."""
        return (Escaped, (str(self), self.languages, self.origin))


_KINDS: dict[tuple[tuple[Language, ...] | frozenset[Language] | None, str], Callable[[str], Escaped]] = {}


def kind(languages: Iterable[Language] | None, origin: str) -> Callable[[str], Escaped]:
    """The `Escaped` subclass of (`languages`, `origin`); calling it with a text makes a piece of that kind."""
    key_languages = languages if languages is None or isinstance(languages, (tuple, frozenset)) else tuple(languages)
    found = _KINDS.get((key_languages, origin))
    if found is None:  # a class whose `__new__` is str's: `found(text)` runs no Python code
        body = {"__slots__": (), "__new__": str.__new__, "__module__": __name__, "__qualname__": "Escaped",
                "languages": None if key_languages is None else frozenset(key_languages), "origin": origin}
        found = _KINDS[(key_languages, origin)] = type("Escaped", (Escaped,), body)
    return found


class UnescapedOutput(Exception):
    """A template printed a value that did not come out of an escaper for its language."""


# JavaScript (`.js`, `.mjs`) is "typescript" here: the same literal, comment and identifier grammar, and the
# same comment-placement check (`x.d.ts` has the type `.ts`).
_SUFFIX_LANGUAGE: dict[str, Language] = {".py": "python", ".pyi": "python", ".ts": "typescript", ".mts": "typescript",
                                         ".js": "typescript", ".mjs": "typescript",
                                         ".json": "json", ".toml": "toml", ".yaml": "yaml", ".yml": "yaml",
                                         ".md": "markdown"}


@functools.lru_cache(maxsize=1024)
def template_language(name: str | None) -> Language | None:
    """The language of a template from its file type (`python/headers.py.j2` -> python), None if unknown."""
    return _SUFFIX_LANGUAGE.get(PurePosixPath((name or "").removesuffix(".j2")).suffix)


# --- the escaping filters -------------------------------------------------------------------

def _text(fn: Callable[[str], str]) -> Callable[[Any], str]:
    def checked(value: Any) -> str:
        if type(value) is not str and not isinstance(value, str):  # the exact type first: the common case, cheaper
            _raise_if_undefined(value)
            raise TypeError(f"expects a string, got {type(value).__name__} {value!r}")
        return fn(value)

    return checked


def _raise_if_undefined(value: Any) -> None:
    """An undefined variable handed to a filter: raise Jinja2's own "'x' is undefined" error."""
    from jinja2 import Undefined

    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises here


def py_bool(value: Any) -> str:
    if not isinstance(value, bool):
        raise TypeError(f"expects a boolean, got {type(value).__name__}")
    return "True" if value else "False"


def py_literal(values: Iterable[Any]) -> str:
    """`Literal["a", "b"]` of string values, or `Never` when there are none (import both)."""
    items = [_text(escape.py_str)(v) for v in values]
    return f"Literal[{', '.join(items)}]" if items else "Never"


def py_opt_str(value: str | None) -> str:
    """A Python string literal, or `None`."""
    return "None" if value is None else _text(escape.py_str)(value)


def _json(value: Any, indent: int | None = None) -> str:
    return escape.json_value(value, indent=indent)


# name -> (escaper, the template languages its output is valid in; None: every one)
FILTERS: dict[str, tuple[Callable[..., str], tuple[Language, ...] | None]] = {
    "py_str": (_text(escape.py_str), ("python",)),
    "py_doc": (_text(escape.py_doc), ("python",)),
    "py_comment": (_text(escape.py_comment), ("python",)),
    "py_bool": (py_bool, ("python",)),
    "py_literal": (py_literal, ("python",)),
    "py_opt_str": (py_opt_str, ("python",)),
    "ts_str": (_text(escape.ts_str), ("typescript",)),
    "ts_doc": (_text(escape.ts_doc), ("typescript",)),
    "ts_comment": (_text(escape.ts_comment), ("typescript",)),
    "json": (_json, ("json", "typescript")),
    "toml_str": (_text(escape.toml_str), ("toml",)),
    "toml_key": (_text(escape.toml_key), ("toml",)),
    "yaml_str": (_text(escape.yaml_str), ("yaml",)),
    "yaml_comment": (_text(escape.yaml_comment), ("yaml",)),
    "md": (_text(escape.md), ("markdown",)),
    "md_code": (_text(escape.md_code), ("markdown",)),
    "md_cell_code": (_text(escape.md_cell_code), ("markdown",)),
    "md_url": (_text(escape.md_url), ("markdown",)),
    "num": (escape.num, None),
}
# Filters that depend on the template's language: `comment` (the language's comment text),
# `ident` (re-asserts the language's identifier grammar) and `ident_list` (`a, b, c`).
_COMMENT: dict[Language, Callable[[str], str]] = {
    "python": escape.py_comment, "typescript": escape.ts_comment, "toml": escape.yaml_comment,
    "yaml": escape.yaml_comment, "markdown": escape.md,
}


_FILTER_KINDS = {name: (fn, kind(languages, name)) for name, (fn, languages) in FILTERS.items()}


def escaped(name: str, value: Any, *args: Any, **kwargs: Any) -> Escaped:
    """`value` through filter `name`, for backends that build template values in Python (`escaped("py_str", x)`)."""
    fn, made = _FILTER_KINDS[name]
    try:
        return made(fn(value, *args, **kwargs))
    except (TypeError, ValueError) as exc:
        raise UnescapedOutput(f"`{name}` {exc}") from None


def code(language: Language, *parts: str) -> Escaped:
    """Code a backend assembles from its own fixed text and `Escaped` parts (checked for `language`)."""
    for part in parts:
        if isinstance(part, Escaped) and part.languages is not None and language not in part.languages:
            raise UnescapedOutput(f"{part.origin} output is for {sorted(part.languages)}, not {language}")
    return kind((language,), "backend code")("".join(parts))


def code_join(language: Language, separator: str, parts: Iterable[Escaped]) -> Escaped:
    """`separator` (a backend's fixed text) between `Escaped` parts: `a | b | c`."""
    items = list(parts)
    return code(language, *[p for i, part in enumerate(items) for p in ((separator, part) if i else (part,))])


def _language_of(context: jinja2.runtime.Context) -> Language:
    language = template_language(context.name)
    if language is None:
        raise UnescapedOutput(f"{context.name}: this file type has no escapers, so it cannot print values; "
                              f"name the template after its output type ({', '.join(_SUFFIX_LANGUAGE)} + .j2)")
    return language


_as_text = _text(str)


def _contextual_filters() -> dict[str, Callable[..., Escaped]]:
    import jinja2

    comments = {language: (_text(fn), kind((language,), "comment")) for language, fn in _COMMENT.items()}

    @jinja2.pass_context
    def comment(context: jinja2.runtime.Context, value: Any) -> Escaped:
        language = _language_of(context)
        if language not in comments:
            raise UnescapedOutput(f"{context.name}: {language} has no comments")
        fn, made = comments[language]
        return made(fn(value))

    idents = {language: kind((language,), "ident") for language in escape.IDENT_GRAMMAR}
    # Per template name, its language's kind and the strings `escape.ident` accepted for that language (a pure
    # verdict; a large spec prints each name about fifty times): a name seen before skips the grammar check.
    ident_kinds: dict[str | None, tuple[Language, Callable[[str], Escaped], set[str]]] = {}
    accepted: dict[Language, set[str]] = {language: set() for language in escape.IDENT_GRAMMAR}

    @jinja2.pass_context
    def ident(context: jinja2.runtime.Context, value: Any) -> Escaped:
        found = ident_kinds.get(context.name)
        if found is None:
            language = _language_of(context)
            found = ident_kinds[context.name] = (language, idents[language], accepted[language])
        language, made, seen = found
        if type(value) is str and value in seen:
            return made(value)
        try:
            text = escape.ident(_as_text(value), language)
        except (TypeError, ValueError) as exc:
            raise UnescapedOutput(f"{context.name}: `ident` {exc}") from None
        if type(value) is str:
            seen.add(value)
        return made(text)

    @jinja2.pass_context
    def ident_list(context: jinja2.runtime.Context, values: Iterable[Any]) -> Escaped:
        language = _language_of(context)
        try:
            return kind((language,), "ident_list")(", ".join(escape.ident(_as_text(v), language) for v in values))
        except (TypeError, ValueError) as exc:
            raise UnescapedOutput(f"{context.name}: `ident_list` {exc}") from None

    return {"comment": comment, "ident": ident, "ident_list": ident_list}


# --- what may reach the output ------------------------------------------------------------------

# Text escapers whose output is only safe in one context, checked after rendering (`contexts`).
_TEXT_CONTEXT: dict[tuple[Language, str], Kind] = {
    ("python", "py_doc"): "docstring", ("python", "py_comment"): "comment", ("python", "comment"): "comment",
    ("typescript", "ts_doc"): "comment", ("typescript", "ts_comment"): "comment", ("typescript", "comment"): "comment",
}


def _finalize_fn() -> Callable[..., Any]:
    import jinja2

    # (kind of piece, template name) -> "" (printed as it is) or the context it must be marked for:
    # the verdict depends on nothing else, so each pair is decided once.
    decided: dict[tuple[type, str | None], str] = {}

    @jinja2.pass_context
    def finalize(context: jinja2.runtime.Context, value: Any) -> Any:
        verdict = decided.get((type(value), context.name))
        if verdict is not None:
            return contexts.mark(verdict, value) if verdict else value  # type: ignore[arg-type]
        if isinstance(value, Escaped):
            language = _language_of(context)
            if value.languages is None or language in value.languages:
                context_kind = _TEXT_CONTEXT.get((language, value.origin))
                decided[(type(value), context.name)] = context_kind or ""
                return value if context_kind is None else contexts.mark(context_kind, value)
            raise UnescapedOutput(f"{context.name}: `{value.origin}` escapes for {'/'.join(sorted(value.languages))}, "
                                  f"not for this {language} template")
        if isinstance(value, jinja2.Undefined):
            str(value)  # StrictUndefined: raises its own "is undefined" error
        target = template_language(context.name)
        usable = sorted(n for n, (_, langs) in FILTERS.items() if langs is None or target in langs)
        preview = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        raise UnescapedOutput(
            f"{context.name}: `{{{{ }}}}` printed {type(value).__name__} {preview} without escaping it; every value "
            f"must pass through an escaping filter for {target or 'this file type'} "
            f"({', '.join(usable + ['comment', 'ident', 'ident_list'])})")

    return finalize


def output_call(context: jinja2.runtime.Context, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """A call printed by `{{ f(...) }}`: a macro's (or block's) output is template text, so it is escaped output."""
    from jinja2.runtime import BlockReference, Macro

    result = context.environment.call(context, fn, *args, **kwargs)  # type: ignore[attr-defined]
    if isinstance(fn, (Macro, BlockReference)):
        return _MACRO(result)
    return result  # a backend helper must return Escaped itself; finalize checks


def template_constant(value: Any) -> Escaped:
    """A string literal written in the template: as trusted as the template's own text."""
    return _TEMPLATE_LITERAL(str(value))


_MACRO = kind(None, "macro")
_TEMPLATE_LITERAL = kind(None, "template literal")


# The filter a printed template literal goes through: a direct call (a `{{ f(x) }}` call goes through the
# sandbox's `call`), under a name no template can write (a filter name in a template is an identifier).
_LITERAL_FILTER = "template literal"


def _filter(name: str) -> Callable[..., Escaped]:
    fn, made = _FILTER_KINDS[name]

    def apply(value: Any, *args: Any, **kwargs: Any) -> Escaped:  # `escaped(name, ...)`, its lookups done once
        try:
            return made(fn(value, *args, **kwargs))
        except (TypeError, ValueError) as exc:
            raise UnescapedOutput(f"`{name}` {exc}") from None

    apply.__name__ = name
    return apply


def _template_line(exc: BaseException, filename: str | None) -> int | None:
    """The template line being rendered when `exc` was raised (Jinja2 rewrites tracebacks to template lines)."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        if filename and tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def make_environment(dirs: list[Path]) -> jinja2.Environment:
    """The sandboxed Jinja2 environment over `dirs` whose templates can print escaped output only."""
    import jinja2

    from .sandbox import FastSandbox
    from .template_compile import StaticOutput, enforce

    class Environment(FastSandbox):
        code_generator_class = StaticOutput

        def _parse(self, source: str, name: str | None, filename: str | None) -> jinja2.nodes.Template:
            return enforce(super()._parse(source, name, filename), name, filename)  # type: ignore[no-any-return]

    from .jinja_cache import bytecode_cache

    env = Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        bytecode_cache=bytecode_cache(),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize_fn(),
    )
    for filter_name in FILTERS:
        env.filters[filter_name] = _filter(filter_name)
    env.filters.update(_contextual_filters())
    env.filters[_LITERAL_FILTER] = template_constant
    return env


def render(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    """Render template `name`; every broken rule is an `UnescapedOutput` naming the template (and line)."""
    import jinja2

    from ..heap import paused

    template = env.get_template(name)
    try:
        with paused():  # every printed piece is a live `Escaped` (tracked by the collector) until the join
            text = template.render(**context)
    except (UnescapedOutput, jinja2.UndefinedError, jinja2.exceptions.SecurityError) as exc:
        line = _template_line(exc, template.filename)
        raise type(exc)(f"{exc}{f' ({template.filename}, line {line})' if line else ''}") from None
    language = template_language(name)
    try:
        return contexts.check_python(text) if language == "python" else \
            contexts.check_typescript(text) if language == "typescript" else text
    except contexts.MisplacedText as exc:
        raise UnescapedOutput(f"{template.filename or name}: {exc}") from None
