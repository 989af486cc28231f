"""Which characters a spec string may contain, and where in the file a forbidden one was written.

Rejected everywhere (rule `spec-control-character`): NUL and the other C0 controls except
tab and newline (CR included: a YAML file's own line breaks never reach a value), DEL, the
C1 controls (NEL included), lone surrogates (what a YAML `"\\ud83d"` escape produces: not a
character, and not encodable as UTF-8), and U+2028/U+2029, which JavaScript, YAML 1.1 and
editors read as line breaks.

Tab and newline are allowed only in free text (every `description:`); every other value,
and every mapping key, is one line: names, labels, enum and filter values, patterns, units,
titles, URLs and durations reach file names, rule names, PromQL, headers and package
metadata, where a line break is at best a broken file.

The loader reports the first forbidden character of a scalar at its exact line and column,
at the backslash of the escape that produced it when it was written as one.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_LINE_BREAKS = "\n\x85\u2028\u2029"
_ESCAPE_LENGTH = {"x": 2, "u": 4, "U": 8}
_SIMPLE_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
                   "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0",
                   "L": "\u2028", "P": "\u2029"}


def forbidden(ch: str, free_text: bool) -> bool:
    """True when `ch` may not appear in a spec string (`free_text`: a description, where tab and newline may)."""
    code = ord(ch)
    if ch in "\t\n":
        return not free_text
    return code < 0x20 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF or ch in "\u2028\u2029"


# `forbidden` as one character class per context, so a scalar is searched in C (tests/test_loader.py holds the
# two to the same answer on every code point).
_FORBIDDEN_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")
_FORBIDDEN_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")


def first_forbidden(value: str, free_text: bool) -> int | None:
    """The index of the first character of `value` that `forbidden` refuses, None if there is none."""
    found = (_FORBIDDEN_IN_TEXT if free_text else _FORBIDDEN_IN_LINE).search(value)
    return None if found is None else found.start()


def describe(ch: str) -> str:
    """`U+0000 (NUL)`, `a lone surrogate U+D83D`, `a newline`."""
    code = ord(ch)
    if ch == "\n":
        return "a newline"
    if ch == "\t":
        return "a tab"
    if 0xD800 <= code <= 0xDFFF:
        return f"a lone surrogate U+{code:04X} (a YAML \\u escape names a code point: write the character itself)"
    names = {0: "NUL", 0x0D: "carriage return", 0x7F: "DEL", 0x85: "NEL"}
    name = names.get(code) or unicodedata.name(ch, "control character").lower()
    return f"U+{code:04X} ({name})"


def clean(value: str, free_text: bool) -> str:
    """`value` with every forbidden character replaced by U+FFFD, so later stages never see one."""
    return "".join("\ufffd" if forbidden(ch, free_text) else ch for ch in value)


def source_offset(text: str, node: Any, free_text: bool) -> int:
    """Index in `text` of the first forbidden character written in scalar `node` (its start if none is found).

    Double-quoted scalars are read escape by escape, so the answer is the backslash of the
    escape that produced the character; line breaks of the file itself are folding, not
    content, and are skipped (a block scalar's own line breaks are reported at its `|`/`>`).
    """
    start: int = node.start_mark.index
    end: int = node.end_mark.index
    quoted = getattr(node, "style", None) == '"'
    i = start
    while i < end:
        ch = text[i]
        if quoted and ch == "\\" and i + 1 < end:
            letter = text[i + 1]
            size = _ESCAPE_LENGTH.get(letter)
            if size is not None:
                try:
                    produced = chr(int(text[i + 2:i + 2 + size], 16))
                except ValueError:
                    produced = ""
                if produced and forbidden(produced, free_text):
                    return i
                i += 2 + size
                continue
            simple = _SIMPLE_ESCAPES.get(letter)
            if simple is not None and forbidden(simple, free_text):
                return i
            i += 2
            continue
        if ch not in _LINE_BREAKS and ch != "\r" and forbidden(ch, free_text):
            return i
        i += 1
    return start


def position(text: str, node: Any, offset: int) -> tuple[int, int]:
    """1-based (line, column) of `offset`, counted from `node`'s start mark the way PyYAML counts marks."""
    line, column = node.start_mark.line, node.start_mark.column
    i = node.start_mark.index
    while i < offset:
        ch = text[i]
        if ch in _LINE_BREAKS or (ch == "\r" and text[i + 1:i + 2] != "\n"):
            line, column = line + 1, 0
        else:
            column += 1
        i += 1
    return line + 1, column + 1
