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

from typing import Literal

Kind = Literal["docstring", "comment"]
# kind -> (open, close): private-use characters.
SENTINELS: dict[Kind, tuple[str, str]] = {"docstring": ("\ue000", "\ue001"), "comment": ("\ue002", "\ue003")}
ALL = "".join(a + b for a, b in SENTINELS.values())
_WHERE = {"docstring": "a triple-quoted string", "comment": "a comment"}


class MisplacedText(Exception):
    """Escaped text outside its context, or a rendered file its language cannot read."""


def mark(kind: Kind, text: str) -> str:
    open_, close = SENTINELS[kind]
    return f"{open_}{text}{close}"


def _strip(text: str) -> str:
    return text.translate({ord(ch): None for ch in ALL})


def _misplaced(kind: Kind, line: int) -> MisplacedText:
    return MisplacedText(f"text escaped for {_WHERE[kind]} is not inside {_WHERE[kind]} (rendered line {line}); "
                         "use the escaper of the context it lands in")


def check_python(text: str) -> str:
    """`text` without sentinels, once every marked span is inside its token and the file compiles."""
    import io
    import tokenize

    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError) as exc:
        raise MisplacedText(f"the rendered Python does not tokenize ({exc})") from None
    seen = 0
    for token in tokens:
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


def _ts_states(text: str) -> list[str]:
    """The lexical state at each character: code, string, template, regex, line or block comment."""
    states: list[str] = []
    i, n = 0, len(text)
    stack: list[int] = []  # brace depth at each open `${` of a template literal
    depth = 0
    last = ""  # the last significant code token (a character, or a word)

    def take(count: int, state: str) -> None:
        nonlocal i
        states.extend([state] * count)
        i += count

    while i < n:
        ch, nxt = text[i], text[i + 1:i + 2]
        if ch == "/" and nxt == "/":
            end = text.find("\n", i)
            take((n if end < 0 else end) - i, "line")
        elif ch == "/" and nxt == "*":
            end = text.find("*/", i + 2)
            take((n if end < 0 else end + 2) - i, "block")
        elif ch in "'\"" or (ch == "`") or (ch == "}" and stack and depth == stack[-1]):
            if ch == "}":
                stack.pop()
            quote = "`" if ch in "`}" else ch
            j = i + 1
            while j < n and text[j] != quote:
                if text[j] == "\\":
                    j += 1
                elif quote == "`" and text.startswith("${", j):
                    break
                elif quote != "`" and text[j] == "\n":
                    break
                j += 1
            if quote == "`" and text.startswith("${", j):
                take(j + 2 - i, "template")
                stack.append(depth)
            else:
                take(j + 1 - i, "string" if quote != "`" else "template")
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
            take(j + 1 - i, "regex")
            last = "x"
        else:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            if ch.isalnum() or ch in "_$":
                j = i
                while j < n and (text[j].isalnum() or text[j] in "_$"):
                    j += 1
                last = text[i:j]
                take(j - i, "code")
                continue
            if not ch.isspace():
                last = ch
            take(1, "code")
    return states


def check_typescript(text: str) -> str:
    """`text` without sentinels, once every marked span lies inside one comment."""
    states = _ts_states(text)
    open_, close = SENTINELS["comment"]
    start: int | None = None
    for i, ch in enumerate(text):
        if ch not in ALL:
            continue
        line = text.count("\n", 0, i) + 1
        if ch not in (open_, close) or states[i] not in ("line", "block"):
            raise _misplaced("comment", line)
        if ch == open_:
            start = i
        elif start is None or len(set(states[start:i + 1])) != 1 or "\n" in text[start:i] and states[i] == "line":
            raise _misplaced("comment", line)
        else:
            start = None
    return _strip(text)
