"""One escaper per output context a spec string can land in: the only way spec text reaches output.

Each function takes the raw spec value and returns text that is safe, and means the same value,
in exactly one context of one target language:

  Python      `py_str` (string literal), `py_doc` (inside a `\"\"\"` or `'''` docstring), `py_comment`
  TypeScript  `ts_str` (string literal), `ts_doc` (JSDoc or block comment), `ts_comment` (line comment)
  JSON        `json_value` (any JSON value; also a valid TypeScript expression)
  TOML        `toml_str` (basic string), `toml_key` (bare or quoted key)
  YAML        `yaml_str` (double-quoted scalar), `yaml_comment`
  PromQL      `promql_str` (double-quoted string literal, e.g. a label value)
  Markdown    `md` (inline text: table cells, headings, paragraphs), `md_code` / `md_cell_code`
              (a whole code span, outside / inside a table), `md_url` (link destination)
  any         `num` (a finite number), `ident` (re-asserts an identifier grammar)

"Safe" means: the value cannot end its context (no quote, comment terminator or line break
gets through unescaped), cannot change how the rest of the file is read (no NUL, no lone
surrogate that would make the file invalid UTF-8, no U+2028/U+2029 that JavaScript and
editors read as line breaks, no `coding:`/`type:`/`noqa`/`@ts-` pragma in a comment), and
parses back to the same string wherever the context is a literal. A value that a format
cannot represent at all (a lone surrogate in TOML or PromQL, NaN in JSON) raises
`Unrepresentable`; the loader rejects such values long before rendering.

Comments and Markdown are one line: runs of whitespace (line breaks included) become one
space, and characters that are not printable are shown as `\\uXXXX` text.
"""

from __future__ import annotations

import functools
import json
import keyword
import math
import re
from collections.abc import Callable
from typing import Literal

Language = Literal["python", "typescript", "json", "toml", "yaml", "markdown"]
LANGUAGES: tuple[Language, ...] = ("python", "typescript", "json", "toml", "yaml", "markdown")


class Unrepresentable(ValueError):
    """The value cannot be written in the target context at all."""


@functools.cache
def _re(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Patterns compile on first use: `check`'s fast path imports this module and renders nothing."""
    return re.compile(pattern, flags)


def _is_surrogate(ch: str) -> bool:
    return "\ud800" <= ch <= "\udfff"  # a lone one: YAML's "\ud83d" escape makes them


def _u_escape(ch: str) -> str:
    """`\\uXXXX` (UTF-16 code units for astral characters): valid in JSON, JavaScript, Python text, TOML."""
    code = ord(ch)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _visible(text: str) -> str:
    """Non-printable characters as visible `\\uXXXX` text (for comments and Markdown, which have no escapes)."""
    return text if text.isprintable() else "".join(ch if ch.isprintable() else _u_escape(ch) for ch in text)


def _one_line(text: str) -> str:
    """Whitespace runs (every line break, U+2028/U+2029 and NEL included) to one space, then `_visible`."""
    return _visible(" ".join(str(text).split()))


# --- Python ------------------------------------------------------------------------------

_PY_SIMPLE = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _py_char(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _py_quote_needs_escape(text: str, i: int, delimiter: str | None) -> bool:
    """A quote is escaped when it is the delimiter, or could join a neighbour into a triple quote.

    In a docstring (no delimiter) the first and last character touch the surrounding text, so
    a quote there is escaped too.
    """
    ch = text[i]
    if ch == delimiter:
        return True
    if delimiter is None and (i == 0 or i == len(text) - 1):
        return True
    return (i > 0 and text[i - 1] == ch) or (i + 1 < len(text) and text[i + 1] == ch)


def _py_escape(text: str, delimiter: str | None) -> str:
    plain = text if delimiter is not None else text.replace("\n", "").replace("\t", "")
    if plain.isprintable() and "\\" not in text and "'" not in text and '"' not in text:
        return text  # the common case, in C: nothing to escape
    out = []
    for i, ch in enumerate(text):
        if ch in _PY_SIMPLE and not (delimiter is None and ch in "\n\t"):
            out.append(_PY_SIMPLE[ch])
        elif ch in "'\"" and _py_quote_needs_escape(text, i, delimiter):
            out.append("\\" + ch)
        elif not ch.isprintable() and not (delimiter is None and ch in "\n\t"):
            out.append(_py_char(ch))
        else:
            out.append(ch)
    return "".join(out)


def py_str(value: str) -> str:
    """A Python string literal equal to `value`: `repr`'s quote choice, and no raw triple quote or line break.

    Safe inside code and also inside a docstring or comment: no raw quote can join its
    neighbours into `\"\"\"`/`'''`, every backslash is an escape, and every non-printable
    character (NUL, CR, U+2028, lone surrogates, ...) is a `\\x`/`\\u`/`\\U` escape.
    """
    text = str(value)
    delimiter = '"' if "'" in text and '"' not in text else "'"
    return delimiter + _py_escape(text, delimiter) + delimiter


def py_doc(value: str) -> str:
    """Text inside a `\"\"\"` (or `'''`) docstring: `__doc__` reads as `value`, nothing ends the docstring.

    Backslashes are doubled (so `\\N`, `\\x`, `\\u` and a final backslash stay text), quotes that
    could form or touch a triple quote are escaped, CR and other non-printable characters
    are escapes; line breaks and tabs stay as they are.
    """
    return _py_escape(str(value), None)


_PY_PRAGMA = r"(coding)(\s*[:=])|\b(type)(\s*:)|\b(no)(qa)"


def py_comment(value: str) -> str:
    """Text after `#`: one line, no NUL, and no `coding:`, `type:` or `noqa` pragma for Python, mypy or ruff."""
    return _re(_PY_PRAGMA, re.IGNORECASE).sub(lambda m: " ".join(g for g in m.groups() if g), _one_line(value))


# --- TypeScript ------------------------------------------------------------------------

_TS_SIMPLE = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f",
              "`": "\\`"}


def ts_str(value: str) -> str:
    """A TypeScript (JavaScript) double-quoted string literal equal to `value`.

    JSON-style escapes, plus: every non-printable character (U+2028/U+2029, DEL, C1, U+FEFF)
    and every lone surrogate as `\\uXXXX`, so the file stays valid UTF-8 and the literal keeps
    the exact UTF-16 string; `*/` and `</` as `*\\/` and `<\\/`, a backtick and `${` escaped,
    so the literal also stays inert inside a comment or a template literal.
    """
    text = str(value)
    # The common case, in C: nothing to escape (_TS_SIMPLE's other characters are not printable).
    if text.isprintable() and _re(r"[\\\"`]|[*<]/|\$\{").search(text) is None:
        return f'"{text}"'
    out = ['"']
    for i, ch in enumerate(text):
        if ch in _TS_SIMPLE:
            out.append(_TS_SIMPLE[ch])
        elif ch == "/" and i and text[i - 1] in "*<":
            out.append("\\/")
        elif ch == "{" and i and text[i - 1] == "$":
            out.append("\\{")
        elif _is_surrogate(ch) or not ch.isprintable():
            out.append(_u_escape(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_TS_PRAGMA = r"@(ts-)"


def ts_doc(value: str) -> str:
    """Text inside `/** ... */` or `/* ... */`: one line, `*/` cannot close it, no `@ts-` directive."""
    return _re(_TS_PRAGMA, re.IGNORECASE).sub(r"@ \1", _one_line(value).replace("*/", "* /"))


ts_comment = ts_doc  # text after `//`: the same rules (one line, U+2028/U+2029 included; no `@ts-` directive)


# --- JSON --------------------------------------------------------------------------------

def json_value(value: object, indent: int | None = None, sort_keys: bool = True, finite: bool = False) -> str:
    """JSON text for `value` (UTF-8, keys sorted); non-printable characters and lone surrogates as `\\uXXXX`.

    The result is also a valid TypeScript/JavaScript expression. NaN and infinities raise, unless
    `finite` (the caller guarantees there are none: `fast_json.encode`).
    """
    from .fast_json import encode

    fast = encode(value, finite) if indent == 2 and sort_keys else None  # the same text, from a C encoder
    try:
        text = fast if fast is not None else \
            json.dumps(value, ensure_ascii=False, sort_keys=sort_keys, indent=indent, allow_nan=False)
    except ValueError as exc:
        raise Unrepresentable(f"not representable in JSON: {exc}") from None
    # Structural whitespace is only "\n" and " "; any other non-printable character is inside a string,
    # where the encoders escape every ASCII control character but DEL. `isascii` is O(1) in CPython.
    # A lone surrogate is not printable either.
    if (text.isascii() and "\x7f" not in text) or text.replace("\n", "").isprintable():
        return text
    return "".join(_u_escape(ch) if (_is_surrogate(ch) or not ch.isprintable()) and ch != "\n" else ch
                   for ch in text)


# --- TOML --------------------------------------------------------------------------------

_TOML_SIMPLE = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_TOML_BARE_KEY = r"[A-Za-z0-9_-]+"


def _double_quoted(value: str, simple: dict[str, str], fmt: str, escape: Callable[[str], str]) -> str:
    """A double-quoted string of a format whose escapes name code points (TOML, YAML): a lone surrogate raises."""
    out = ['"']
    for ch in str(value):
        if ch in simple:
            out.append(simple[ch])
        elif _is_surrogate(ch):
            raise Unrepresentable(f"a lone surrogate (U+{ord(ch):04X}) cannot be written in {fmt}")
        elif not ch.isprintable():
            out.append(escape(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_char(ch: str) -> str:
    code = ord(ch)
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def toml_str(value: str) -> str:
    """A TOML basic string equal to `value`; a lone surrogate (no TOML escape names one) raises."""
    return _double_quoted(value, _TOML_SIMPLE, "TOML", _toml_char)


def toml_key(value: str) -> str:
    """A TOML key: bare when it is `[A-Za-z0-9_-]+`, else a quoted basic string."""
    text = str(value)
    return text if _re(_TOML_BARE_KEY).fullmatch(text) else toml_str(text)


# --- YAML --------------------------------------------------------------------------------

_YAML_SIMPLE = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}


def yaml_str(value: str) -> str:
    """A YAML double-quoted scalar equal to `value` (YAML 1.1 and 1.2 readers alike).

    NEL, U+2028/U+2029 (line breaks to YAML 1.1), U+FEFF and every other non-printable
    character are escapes; a lone surrogate raises (YAML escapes name code points).
    """
    return _double_quoted(value, _YAML_SIMPLE, "YAML", _py_char)  # \xNN, \uNNNN, \UNNNNNNNN: the same spelling in YAML


def yaml_comment(value: str) -> str:
    """Text after `#` in YAML: one line."""
    return _one_line(value)


# --- PromQL ------------------------------------------------------------------------------

_PROMQL_SIMPLE = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def promql_str(value: str) -> str:
    """A PromQL double-quoted string literal (Go escapes): `POST /api/"x"` -> `"POST /api/\\"x\\""`.

    Label values are UTF-8 in Prometheus, so a lone surrogate (no valid Go escape) raises.
    """
    text = str(value)
    if text.isprintable() and "\\" not in text and '"' not in text:
        return f'"{text}"'  # the common case, in C: nothing to escape, nothing to refuse
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in _PROMQL_SIMPLE:
            out.append(_PROMQL_SIMPLE[ch])
        elif _is_surrogate(ch):
            raise Unrepresentable(f"a lone surrogate (U+{code:04X}) cannot be a PromQL string")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif not ch.isprintable():
            out.append(f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


# --- Markdown ----------------------------------------------------------------------------

_MD_BACKSLASH = frozenset("\\`*[]|~$")
_MD_ENTITY = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MD_BLOCK_START = r"([#+=-])|([0-9]+)([.)])"
_MD_SPECIAL = "[" + re.escape("".join(sorted(_MD_BACKSLASH | set(_MD_ENTITY) | {"_"}))) + "]"


def _md_char(text: str, i: int) -> str:
    ch = text[i]
    if ch in _MD_BACKSLASH:
        return "\\" + ch
    if ch == "_":  # an underscore inside a word (`hashed_id`) cannot start or end emphasis
        inside = 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()
        return ch if inside else "\\_"
    return _MD_ENTITY.get(ch, ch)


def _md_chars(text: str) -> str:
    """Every character of `text` through `_md_char`; at once, in C, when none of them would change."""
    if _re(_MD_SPECIAL).search(text) is None:
        return text
    return "".join(_md_char(text, i) for i in range(len(text)))


def md(value: str) -> str:
    """Inline Markdown text showing `value` literally: one line, no markup, no HTML, no table-cell break.

    Safe in a paragraph, a heading, a list item and a table cell (not in an HTML attribute).
    """
    out = _md_chars(_one_line(value))
    m = _re(_MD_BLOCK_START).match(out)
    if m:  # a leading `#`, `-`, `+`, `=` or `1.` would start a heading, a list or a setext underline
        out = "\\" + out if m.group(1) else m.group(2) + "\\" + out[len(m.group(2)):]
    return out


def _code_span(text: str) -> str:
    runs = [len(r) for r in _re(r"`+").findall(text)]
    fence = "`" * (max(runs, default=0) + 1)
    if not text:
        return "` `"  # a code span cannot be empty: show one space
    if text[0] in "` " or text[-1] in "` ":
        text = f" {text} "
    return f"{fence}{text}{fence}"


def md_code(value: str) -> str:
    """A whole Markdown code span (backticks included) showing `value` literally, outside a table."""
    return _code_span(_one_line(value))


def md_cell_code(value: str) -> str:
    """A whole Markdown code span inside a table cell: also `|` escaped (GFM reads `\\|` there as `|`).

    GFM splits a table row before it parses code spans, reading `\\X` pairs as escapes, so a
    backslash right before a `|` is doubled too (and shows doubled): `a\\|b` cannot end the cell.
    """
    return _code_span(_re(r"(\\*)\|").sub(lambda m: m.group(1) * 2 + "\\|", _one_line(value)))


def md_url(value: str) -> str:
    """A Markdown link destination: spaces, parentheses, `<>`, quotes, controls and non-ASCII percent-encoded."""
    from urllib.parse import quote

    return quote(_one_line(value), safe="/:?#[]@!$&*+,;=%-._~")


# --- numbers and identifiers ---------------------------------------------------------------

def num(value: object) -> str:
    """A finite number as a literal valid in Python, TypeScript, JSON, TOML, YAML and PromQL: `25`, `0.01`, `1e-12`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"num: expected a number, got {type(value).__name__}")
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise Unrepresentable(f"num: {value} is not a finite number")
    return str(int(value)) if value.is_integer() else repr(value)


IDENT_GRAMMAR: dict[Language, str] = {  # applied with fullmatch
    "python": r"[A-Za-z_][A-Za-z0-9_]*",
    "typescript": r"[A-Za-z_$][A-Za-z0-9_$]*",
    "json": r"[A-Za-z_][A-Za-z0-9_]*",
    "toml": r"[A-Za-z0-9_-]+",
    "yaml": r"[A-Za-z_][A-Za-z0-9_.-]*",
    "markdown": r"[A-Za-z0-9][A-Za-z0-9_-]*",  # anchors and slugs: no leading `_`, no `*`
}


def ident(value: str, language: Language) -> str:
    """`value` unchanged if it is a bare identifier of `language` (Python: not a keyword), else ValueError."""
    text = str(value)
    if not _re(IDENT_GRAMMAR[language]).fullmatch(text) or (language == "python" and keyword.iskeyword(text)):
        raise ValueError(f"{text!r} is not a valid {language} identifier here; escape it as a literal instead")
    return text
