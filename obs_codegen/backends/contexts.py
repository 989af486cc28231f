"""Check that escaped text landed in the context it was escaped for, in a rendered Python or TypeScript file.

A text escaper is only safe in its own context: `py_doc` output keeps its line breaks (a
comment would end), `py_comment` output keeps its quotes (a docstring would end), `ts_doc`
output keeps its quotes (a string literal would end). The finalize hook of `templating` wraps
such output in private-use sentinel characters (every escaper writes those as `\\uXXXX`, never
raw); after rendering, `check` reads the file as its language does (Python: `tokenize`;
TypeScript: the small lexer below: strings, template literals, comments, regex literals) and
requires each marked span to lie inside one token of its kind, then removes the sentinels.
Python files must also compile.
"""

from __future__ import annotations

import bisect
import re
from typing import Literal

from .python_parse import parses

Kind = Literal["docstring", "comment"]
# kind -> (open, close): private-use characters.
SENTINELS: dict[Kind, tuple[str, str]] = {"docstring": ("\ue000", "\ue001"), "comment": ("\ue002", "\ue003")}
ALL = "".join(a + b for a, b in SENTINELS.values())
_ANY = re.compile(f"[{ALL}]")
_WHERE = {"docstring": "a triple-quoted string", "comment": "a comment"}


class MisplacedText(Exception):
    """Escaped text outside its context, or a rendered file its language cannot read."""


def mark(kind: Kind, text: str) -> str:
    open_, close = SENTINELS[kind]
    return f"{open_}{text}{close}"


def _strip(text: str) -> str:
    for ch in ALL:  # four C-speed scans; str.translate looks up every character in a dict
        text = text.replace(ch, "")
    return text


def _misplaced(kind: Kind, line: int) -> MisplacedText:
    return MisplacedText(f"text escaped for {_WHERE[kind]} is not inside {_WHERE[kind]} (rendered line {line}); "
                         "use the escaper of the context it lands in")


def check_python(text: str) -> str:
    """`text` without sentinels, once every marked span is inside its token and the file compiles.

    `tokenize` decides (`_check_python`). Before Python 3.12 it is pure Python, most of the Python
    backend's time, so `_marks_in_place` first reads only the strings and comments up to the last
    mark, with the 3.11 tokenizer's rules for them (f-strings lex as plain strings there). When it
    finds every mark in place and the file compiles, tokenize would accept it too: the marks lie in
    string or comment tokens, where they move no token boundary, and a file that compiles has one
    reading. Anything else (a misplaced mark, an unterminated string, a file that does not compile)
    goes to tokenize, which gives the verdict and its message; tests/test_python_context_check.py holds the two
    to the same verdicts.

    The cyclic garbage collector is paused meanwhile: tokenizing and parsing a large module make
    millions of short-lived objects, and each full collection would walk the whole model again
    (synth-10000: 32 s -> 22 s for the Python backend). Nothing here makes a reference cycle."""
    import sys

    from ..heap import paused

    with paused():
        if sys.version_info < (3, 12) and _marks_in_place(text):
            stripped = _strip(text)
            if parses(stripped):
                return stripped
            # else tokenize names the first problem, as it always did
        return _check_python(text)


_PY_NEXT = re.compile("[#'\"]")  # what starts a string or a comment in code
_PY_LINE_END = re.compile("[\r\n]")
# The rest of a string after its opening quote (the 3.11 tokenizer's patterns: a backslash escapes
# the next character, a line break included; a one-quote string ends at its line).
_PY_END = {
    '"""': re.compile(r'[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""', re.DOTALL),
    "'''": re.compile(r"[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''", re.DOTALL),
    '"': re.compile(r'[^"\\\n]*(?:\\.[^"\\\n]*)*"', re.DOTALL),
    "'": re.compile(r"[^'\\\n]*(?:\\.[^'\\\n]*)*'", re.DOTALL),
}
_PY_PREFIXES = frozenset(a + b for a in "bBrRuUfF" for b in ("", *"bBrRfF"))

# Code, strings and comments holding no mark, in one match: the lexing of `_marks_in_place` where no
# mark is (a backslash escapes anything but a mark), so the loop visits only the tokens marks are in.
_PY_SKIP = re.compile("(?:" + "|".join([
    rf"[^#'\"{ALL}]+",
    rf"#[^\r\n{ALL}]*(?![^\r\n])",
    *(rf"{q}{q}{q}[^{q}\\{ALL}]*(?:(?:\\[^{ALL}]|{q}(?!{q}{q}))[^{q}\\{ALL}]*)*{q}{q}{q}" for q in "\"'"),
    *(rf"{q}(?!{q}{q})[^{q}\\\n{ALL}]*(?:\\[^{ALL}][^{q}\\\n{ALL}]*)*{q}" for q in "\"'"),  # not a triple quote's start
]) + ")*")


def _marks_in_place(text: str) -> bool:
    """True when every mark lies in one string or comment token of its kind, with its pair (see check_python)."""
    marks = [m.start() for m in _ANY.finditer(text)]
    i = k = 0
    while k < len(marks):
        i = _PY_SKIP.match(text, i).end()  # type: ignore[union-attr]  # it matches the empty string
        found = _PY_NEXT.search(text, i)
        if found is None or found.start() > marks[k]:
            return False  # a mark in code
        start = found.start()
        if text[start] == "#":
            line_end = _PY_LINE_END.search(text, start)  # one scan to the comment's end, not two to the file's
            end, kind = len(text) if line_end is None else line_end.start(), "comment"
        else:
            quote = text[start:start + 3] if text.startswith(('"""', "'''"), start) else text[start]
            rest = _PY_END[quote].match(text, start + len(quote))
            if rest is None:
                return False  # unterminated: tokenize says so
            word = start
            while word > 0 and (text[word - 1].isalnum() or text[word - 1] == "_"):
                word -= 1
            prefix = text[word:start] if text[word:start] in _PY_PREFIXES else ""  # else a name before the quote
            end = rest.end()
            kind = "docstring" if len(quote) == 3 and "f" not in prefix.lower() else "string"
        if marks[k] < end:
            token = text[start:end]
            for mark_kind, (open_, close) in SENTINELS.items():
                opened, closed = token.count(open_), token.count(close)
                if (opened or closed) and (mark_kind != kind or opened != closed):
                    return False
            while k < len(marks) and marks[k] < end:
                k += 1
        i = end
    return True


def _check_python(text: str) -> str:
    import io
    import tokenize

    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError) as exc:
        raise MisplacedText(f"the rendered Python does not tokenize ({exc})") from None
    seen = 0
    for token in tokens:
        if _ANY.search(token.string) is None:
            continue
        for kind, (open_, close) in SENTINELS.items():
            opened = token.string.count(open_)
            seen += opened + token.string.count(close)
            if not opened and not token.string.count(close):
                continue
            if kind == "docstring":
                inside = token.type == tokenize.STRING and token.string.lstrip("rRbBuU")[:3] in ('"' * 3, "'" * 3)
            else:
                inside = token.type == tokenize.COMMENT
            if not inside or opened != token.string.count(close):
                raise _misplaced(kind, token.start[0])
    if seen != sum(text.count(ch) for ch in ALL):
        raise MisplacedText("escaped text landed outside any string or comment")
    text = _strip(text)
    try:
        compile(text, "<rendered>", "exec", dont_inherit=True, flags=0x400)  # ast.PyCF_ONLY_AST: parse, run nothing
    except SyntaxError as exc:
        raise MisplacedText(f"the rendered Python does not compile (line {exc.lineno}: {exc.msg})") from None
    return text


_REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^") | {""}
_REGEX_KEYWORDS = {"return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void", "throw", "yield",
                   "await", "instanceof"}


_PLAIN = re.compile(r"[^/'\"`{}]+")  # code that can neither open a string, comment, regex nor change depth
_PLAIN_OUTSIDE = re.compile(r"[^/'\"`]+")  # with no template literal open, braces only count depth
_LAST_WORD = re.compile(r"[\w$]+\Z")  # \w is str.isalnum() or "_"
# `last` only decides whether a `/` may open a regex: after one of _REGEX_AFTER (single characters) or
# a keyword (at most 10 characters). So the last word is read from a chunk's last 12 characters (a search
# from the start of a long chunk retries at every position): a longer word keeps only its tail, which is
# neither a keyword nor one character, exactly as the whole word is neither.
_WORD_TAIL = 12
# The rest of a literal after its opening quote, up to its closing quote (a backslash escapes the next
# character, a line break included; a quoted string also ends at a line break, a template at `${`).
_TS_REST = {q: re.compile(fr"[^{q}\\\n]*(?:\\.[^{q}\\\n]*)*", re.DOTALL) for q in "'\""}
_TS_REST["`"] = re.compile(r"[^`\\$]*(?:(?:\\.|\$(?!\{))[^`\\$]*)*", re.DOTALL)
# With no template literal open: code and quoted strings that hold no `/`-started token, backtick or
# mark, in one match. Their exact states do not matter (no mark is in them, and brace depth counts only
# inside a template literal); what follows needs only the last significant token (`last`).
_TS_SKIP = re.compile("(?:" + "|".join([
    rf"[^/'\"`{ALL}]+",
    *(rf"{q}[^{q}\\\n{ALL}]*(?:\\[^{ALL}][^{q}\\\n{ALL}]*)*{q}" for q in "'\""),
]) + ")*")


class _Runs:
    """The lexical states of a text as maximal runs: `ends[k]` is where run k (state `states[k]`) ends."""

    def __init__(self) -> None:
        self.ends: list[int] = []
        self.states: list[str] = []

    def add(self, end: int, state: str) -> None:
        if self.states and self.states[-1] == state:
            self.ends[-1] = end
        else:
            self.ends.append(end)
            self.states.append(state)

    def index(self, i: int) -> int:
        """The run holding character i."""
        return bisect.bisect_right(self.ends, i)


def _last_token(text: str, start: int, end: int) -> str | None:
    """The last significant token of code and strings `text[start:end]` (a string reads as "x"); None if blank."""
    while end > start and text[end - 1].isspace():
        end -= 1
    if end == start:
        return None
    if text[end - 1] in "'\"":
        return "x"
    word = _LAST_WORD.search(text, max(start, end - _WORD_TAIL), end)
    return word.group() if word else text[end - 1]


def _ts_runs(text: str) -> _Runs:
    """The lexical state of each character (code, string, template, regex, line or block comment), as runs.

    Literals are skipped with one regular-expression match each, and code between them in one chunk
    (braces too, while no template literal is open: they only count depth then). With no template
    literal open, code and quoted strings up to the next `/`, backtick or mark are one match
    (`_TS_SKIP`) and one "code" run: no mark is in them, so only `last` is read from their end.
    tests/test_ts_context_check.py holds the verdicts to those of the token-by-token reading."""
    runs = _Runs()
    i, n = 0, len(text)
    stack: list[int] = []  # brace depth at each open `${` of a template literal
    depth = 0
    last = ""  # the last significant code token (a character, or a word)
    while i < n:
        if not stack:
            j = _TS_SKIP.match(text, i).end()  # type: ignore[union-attr]  # it matches the empty string
            if j > i:
                runs.add(j, "code")
                last = _last_token(text, i, j) or last
                i = j
                if i >= n:
                    break
        ch, nxt = text[i], text[i + 1:i + 2]
        if ch == "/" and nxt == "/":
            end = text.find("\n", i)
            i = n if end < 0 else end
            runs.add(i, "line")
        elif ch == "/" and nxt == "*":
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            runs.add(i, "block")
        elif ch in "'\"" or (ch == "`") or (ch == "}" and stack and depth == stack[-1]):
            if ch == "}":
                stack.pop()
            quote = "`" if ch in "`}" else ch
            rest = _TS_REST[quote].match(text, i + 1)
            assert rest is not None  # the pattern matches the empty string
            j = rest.end()
            if j == n - 1 and text[j] == "\\":
                j = n + 1  # a backslash ending the text escapes what is not there
            if quote == "`" and text.startswith("${", j):
                i = j + 2
                runs.add(i, "template")
                stack.append(depth)
            else:
                i = j + 1
                runs.add(i, "string" if quote != "`" else "template")
            last = "x"
        elif ch == "/" and (last in _REGEX_AFTER or last in _REGEX_KEYWORDS):
            j, in_class = i + 1, False
            while j < n and text[j] != "\n" and (in_class or text[j] != "/"):
                if text[j] == "\\":
                    j += 1
                elif text[j] == "[":
                    in_class = True
                elif text[j] == "]":
                    in_class = False
                j += 1
            i = j + 1
            runs.add(i, "regex")
            last = "x"
        elif ch == "/" or (stack and ch in "{}"):
            depth += 1 if ch == "{" else -1 if ch == "}" else 0
            last = ch
            i += 1
            runs.add(i, "code")
        else:
            chunk = (_PLAIN if stack else _PLAIN_OUTSIDE).match(text, i)
            assert chunk is not None
            if not stack:
                depth += chunk.group().count("{") - chunk.group().count("}")
            last = _last_token(text, i, chunk.end()) or last
            i = chunk.end()
            runs.add(i, "code")
    return runs


def check_typescript(text: str) -> str:
    """`text` without sentinels, once every marked span lies inside one comment."""
    found = [m.start() for m in _ANY.finditer(text)]
    if not found:
        return text
    runs = _ts_runs(text[:found[-1] + 1])
    open_, close = SENTINELS["comment"]
    start: int | None = None
    line, counted = 1, 0
    for i in found:
        ch = text[i]
        line += text.count("\n", counted, i)
        counted = i
        run = runs.index(i)
        if ch not in (open_, close) or runs.states[run] not in ("line", "block"):
            raise _misplaced("comment", line)
        if ch == open_:
            start = i
        elif start is None or runs.index(start) != run or "\n" in text[start:i] and runs.states[run] == "line":
            raise _misplaced("comment", line)
        else:
            start = None
    return _strip(text)
