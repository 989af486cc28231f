"""Log-schema patterns: JavaScript's `u`-flag grammar checked in Python, and one spelling for both engines.

A generated log schema is read by ajv, which compiles every `pattern` with
`new RegExp(pattern, "u")`, and by Python's jsonschema (and `validate-logs`), which calls
`re.search(pattern, value)`. The two engines disagree in two ways:

  * syntax: the `u` flag turns off JavaScript's lenient Annex B grammar. Identity escapes are
    allowed only for syntax characters `^$\\.*+?()[]{}|` and `/` (and `-` in a class), so
    `\\-`, `\\#`, `\\ `, `\\_` are errors; `{`, `}` and `]` must not stand alone; `\\c`, `\\x`, `\\u`
    need their digits; a range cannot have a class escape (`[\\w-a]`); assertions cannot be
    quantified. Python accepts all of these, so a schema Python validates with, ajv refuses.
    `syntax_error(p)` implements that grammar (ECMAScript 2023, as Node 20 has it; Unicode
    property names in `\\p{...}` are not validated, and `\\p` is never portable anyway).
  * meaning: Python's `$` also matches before a final newline, and Python's `\\d`, `\\w`, `\\s`,
    `\\b` and `.` follow Unicode (or exclude only `\\n`) where JavaScript's are ASCII (or the
    ECMAScript white-space set, or exclude `\\r`, U+2028 and U+2029 too). `portable(p)` spells a
    pattern so both engines accept exactly the strings JavaScript's `u` flag accepts: `$` becomes
    `(?![\\s\\S])`, the class escapes and `.` become explicit sets, `\\cX`, `\\u{...}` and escaped
    surrogate pairs become escapes Python reads the same way.

`portability_error(p)` is the lint's verdict: a `u`-flag syntax error, a construct that means
different things in the two engines (backreferences, named groups, `[]`, `[^]`, `\\p{...}`, a
lone surrogate, a negated class escape inside a class, set-operation look-alikes Python warns
about), or a spelling Python cannot compile (a variable-width lookbehind, a huge repetition).
"""

from __future__ import annotations

import re
import warnings

from ..spec import header_formats
from .ecma_parser import END, PatternError, _parse

__all__ = ["END", "PatternError", "escape", "longest_match", "portability_error", "portable", "syntax_error",
           "whole_value"]


def syntax_error(pattern: str) -> PatternError | None:
    """Why `new RegExp(pattern, "u")` throws (None when it compiles)."""
    try:
        _parse(pattern)
    except PatternError as exc:
        return exc
    return None


def portable(pattern: str) -> str:
    """`pattern` spelled so Python's `re.search` and JavaScript's `u`-flag `test` accept the same strings.
    Raises PatternError for a syntax error; call `portability_error` first for the other checks."""
    return "".join(_parse(pattern).out)


def whole_value(pattern: str) -> str:
    r"""The portable spelling of `pattern`, anchored so it matches whole values only: `^[a-z]+$` ->
    `^[a-z]+(?![\s\S])`, `a|b` -> `^(?:a|b)(?![\s\S])` (a top-level `|` would anchor one branch each)."""
    parser = _parse(pattern)
    spelled = "".join(parser.out)
    if pattern.startswith("^") and spelled.endswith(END) and not parser.top_level_alternation:
        return spelled  # the last token is the `$` anchor (an escaped `\$` is spelled `\$`)
    return f"^(?:{spelled}){END}"


def longest_match(pattern: str) -> float:
    """The most characters a match of `pattern` can have (math.inf when a `*`, `+`, `{n,}` or a
    backreference makes it unbounded). Raises PatternError for a syntax error."""
    return _parse(pattern).longest


escape = header_formats.escape  # `text` as a pattern matching exactly it, in both engines


def portability_error(pattern: str) -> PatternError | None:
    """Why `pattern` cannot be a log-schema pattern (None when it can): see the module docstring."""
    try:
        parser = _parse(pattern)
    except PatternError as exc:
        return exc
    if parser.portability:
        why, at = parser.portability[0]
        return PatternError(why, at)
    spelled = "".join(parser.out)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            re.compile(spelled)
    except (re.error, OverflowError, RecursionError, FutureWarning, DeprecationWarning) as exc:
        return PatternError(f"Python cannot compile it ({exc})", 0)
    return None
