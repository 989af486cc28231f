"""The parser behind `ecma_regex`: JavaScript's `u`-flag pattern grammar (ECMAScript 2023, as
Node 20 implements it), read in one pass that also writes the Python spelling, the longest
match and what is not portable. See `ecma_regex` for what the pieces mean and who uses them.
"""


from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ..spec import header_formats

SYNTAX = header_formats.SYNTAX  # ECMA-262 SyntaxCharacter
CONTROL_ESCAPES = {"f": "\\f", "n": "\\n", "r": "\\r", "t": "\\t", "v": "\\x0b"}
MAX_DEPTH = 100  # nested groups; Python's own parser recurses
COMPLEMENT = -1  # a class atom that is the complement of a set (\D, \W, \S)

# JavaScript's sets, spelled without class escapes (the insides of a character class).
DIGIT = "0-9"
WORD = "A-Za-z0-9_"
SPACE = "\\t\\n\\x0b\\x0c\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
_SETS = {"d": DIGIT, "w": WORD, "s": SPACE}
END = "(?![\\s\\S])"  # the end of the value, in both engines (`[\s\S]` is every character in both)
DOT = "[^\\n\\r\\u2028\\u2029]"
BOUNDARY = f"(?:(?<=[{WORD}])(?![{WORD}])|(?<![{WORD}])(?=[{WORD}]))"
NOT_BOUNDARY = f"(?:(?<=[{WORD}])(?=[{WORD}])|(?<![{WORD}])(?![{WORD}]))"


class PatternError(ValueError):
    """`message` about the pattern, at character `offset`."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass
class _Parser:
    pattern: str
    i: int = 0
    out: list[str] = field(default_factory=list)
    portability: list[tuple[str, int]] = field(default_factory=list)  # (why, offset): valid JS, not portable
    groups: int = 0
    names: set[str] = field(default_factory=set)
    top_level_alternation: bool = False
    longest: float = 0.0  # the most characters a match can have (math.inf: unbounded)

    def peek(self, ahead: int = 0) -> str:
        j = self.i + ahead
        return self.pattern[j] if j < len(self.pattern) else ""

    def error(self, message: str, at: int | None = None) -> PatternError:
        return PatternError(message, self.i if at is None else at)

    def unportable(self, why: str, at: int) -> None:
        self.portability.append((why, at))

    # --- structure ---------------------------------------------------------------------------

    def parse(self) -> None:
        self.groups, names = _prescan(self.pattern)
        self.longest = self.disjunction(0)
        if self.i < len(self.pattern):
            raise self.error("unmatched ')'")
        if len(names) != len(set(names)):
            raise self.error("a capture group name is used twice", 0)
        self.names = set(names)

    def disjunction(self, depth: int) -> float:
        """Parses alternatives; returns the longest match (math.inf when unbounded)."""
        if depth > MAX_DEPTH:
            raise self.error(f"groups nested more than {MAX_DEPTH} deep")
        longest = self.alternative(depth)
        while self.peek() == "|":
            self.top_level_alternation = self.top_level_alternation or depth == 0
            self.out.append("|")
            self.i += 1
            longest = max(longest, self.alternative(depth))
        return longest

    def alternative(self, depth: int) -> float:
        total = 0.0
        while self.i < len(self.pattern) and self.peek() not in "|)":
            total += self.term(depth)
        return total

    def term(self, depth: int) -> float:
        c, start = self.peek(), self.i
        width = 1.0
        if c == "^" or c == "$":
            self.out.append("^" if c == "^" else END)
            self.i += 1
            return self.no_quantifier("an assertion")
        if c == "\\" and self.peek(1) in ("b", "B"):
            self.out.append(BOUNDARY if self.peek(1) == "b" else NOT_BOUNDARY)
            self.i += 2
            return self.no_quantifier("an assertion")
        if c == "(":
            rest = self.pattern[self.i:]
            if rest.startswith(("(?=", "(?!", "(?<=", "(?<!")):
                opener = rest[:4] if rest.startswith("(?<") else rest[:3]
                self.group(opener, depth)
                return self.no_quantifier("a lookaround")
            if rest.startswith("(?:"):
                width = self.group("(?:", depth)
            elif rest.startswith("(?<"):
                self.i += 3
                name = self.group_name(">")
                self.unportable(f"the named group (?<{name}>...) is spelled (?P<{name}>...) in Python", start)
                self.i -= 1  # back onto the '>' so group() consumes it as the opener's end
                width = self.group(">", depth, out="(")
            elif rest.startswith("(?"):
                raise self.error("invalid group: JavaScript knows only (?:, (?=, (?!, (?<=, (?<! and (?<name>")
            else:
                width = self.group("(", depth)
        elif c == "[":
            self.character_class()
        elif c == ".":
            self.out.append(DOT)
            self.i += 1
        elif c == "\\":
            width = self.atom_escape()
        elif c in "*+?":
            raise self.error(f"nothing to repeat before '{c}'")
        elif c == "{":
            raise self.error("nothing to repeat" if _quantifier_at(self.pattern, self.i) else
                             "a lone '{' (escape it as \\{)")
        elif c in "}]":
            raise self.error(f"a lone '{c}' (escape it as \\{c})")
        else:
            self.out.append(c)
            self.i += 1
        times = self.quantifier()
        return 0.0 if width == 0 else width * times

    def group(self, opener: str, depth: int, out: str | None = None) -> float:
        at = self.i
        self.out.append(out if out is not None else opener)
        self.i += len(opener)
        longest = self.disjunction(depth + 1)
        if self.peek() != ")":
            raise self.error("unterminated group", at)
        self.out.append(")")
        self.i += 1
        return longest

    def group_name(self, end: str) -> str:
        j = self.pattern.find(end, self.i)
        name = self.pattern[self.i:j] if j > 0 else ""
        if not name or not (name.replace("$", "_").isidentifier()):
            raise self.error("invalid capture group name")
        self.i = j + 1
        return name

    def no_quantifier(self, what: str) -> float:
        """After an assertion (which matches no characters): a quantifier is an error."""
        if self.peek() in ("*", "+", "?") or (self.peek() == "{" and _quantifier_at(self.pattern, self.i)):
            raise self.error(f"{what} cannot be repeated with the u flag")
        return 0.0

    def quantifier(self) -> float:
        """Parses an optional quantifier; returns the most repetitions it allows (1 without one)."""
        c, times = self.peek(), 1.0
        if c in ("*", "+", "?"):
            self.out.append(c)
            self.i += 1
            times = 1.0 if c == "?" else math.inf
        elif c == "{":
            m = _quantifier_at(self.pattern, self.i)
            if m is None:
                raise self.error("an incomplete quantifier '{' (escape it as \\{)")
            low, high = int(m.group(1)), m.group(3)
            if high and int(high) < low:
                raise self.error(f"numbers out of order in {m.group(0)}")
            self.out.append(m.group(0))
            self.i = m.end()
            times = float(int(high)) if high else (math.inf if m.group(2) else float(low))
        else:
            return times
        if self.peek() == "?":  # lazy
            self.out.append("?")
            self.i += 1
        return times

    # --- escapes -----------------------------------------------------------------------------

    def atom_escape(self) -> float:
        """An escape outside a class; returns the most characters it matches (a backreference: any number)."""
        start, e = self.i, self.peek(1)
        if e in _SETS or e.lower() in _SETS:
            inside = _SETS[e.lower()]
            self.out.append(f"[{inside}]" if e.islower() else f"[^{inside}]")
            self.i += 2
            return 1.0
        if e.isdigit() and e != "0":
            digits = re.match(r"[0-9]+", self.pattern[self.i + 1:])
            assert digits is not None
            if int(digits.group()) > self.groups:
                raise self.error(f"\\{digits.group()} refers to a group that does not exist")
            self.unportable("backreferences match differently in JavaScript and Python", start)
            self.out.append("\\" + digits.group())
            self.i += 1 + len(digits.group())
            return math.inf
        if e == "k":
            self.i += 2
            if self.peek() != "<":
                raise self.error("\\k must name a group: \\k<name>")
            self.i += 1
            name = self.group_name(">")
            if name not in _prescan(self.pattern)[1]:
                raise self.error(f"\\k<{name}> names no group", start)
            self.unportable("named backreferences are spelled (?P=name) in Python", start)
            self.out.append(f"(?P={name})")
            return math.inf
        if e == "-":
            raise self.error("\\- is not a valid escape outside a character class with the u flag (write -)")
        self.out.append(self.character_escape(in_class=False))
        return 1.0

    def character_escape(self, in_class: bool) -> str:
        """A CharacterEscape (the `\\` at self.i); returns its Python spelling."""
        start, e = self.i, self.peek(1)
        if e == "":
            raise self.error("the pattern ends with a backslash")
        if e in CONTROL_ESCAPES:
            self.i += 2
            return CONTROL_ESCAPES[e]
        if e == "c":
            letter = self.peek(2)
            if not ("a" <= letter.lower() <= "z" and letter.isascii()):
                raise self.error("\\c must be followed by a letter")
            self.i += 3
            return f"\\x{ord(letter) % 32:02x}"
        if e == "0":
            if self.peek(2).isdigit():
                raise self.error("\\0 followed by a digit is not allowed with the u flag")
            self.i += 2
            return "\\x00"
        if e == "x":
            digits = self.pattern[self.i + 2:self.i + 4]
            if not re.fullmatch(r"[0-9A-Fa-f]{2}", digits):
                raise self.error("\\x must be followed by two hex digits")
            self.i += 4
            return "\\x" + digits.lower()
        if e == "u":
            return self.unicode_escape(start)
        if e in ("p", "P"):
            m = re.compile(r"\{([A-Za-z_]+(?:=[A-Za-z0-9_]+)?)\}").match(self.pattern, self.i + 2)
            if m is None:
                raise self.error(f"\\{e} must be followed by a property such as {{L}}")
            self.unportable(f"\\{e}{{...}} (Unicode properties) does not exist in Python", start)
            self.i = m.end()
            return "\\" + e + m.group(0)
        if e in SYNTAX or e == "/" or (in_class and e == "-"):
            self.i += 2
            return "\\" + e
        where = "inside a character class " if in_class else ""
        raise self.error(f"\\{e} is not a valid escape {where}with the u flag (ajv); "
                         "only ^$\\.*+?()[]{}|/ may be escaped" + (" and -" if in_class else ""))

    def unicode_escape(self, start: int) -> str:
        m = re.compile(r"u\{([0-9A-Fa-f]+)\}|u([0-9A-Fa-f]{4})").match(self.pattern, self.i + 1)
        if m is None:
            raise self.error("\\u must be followed by four hex digits or {hex}")
        code = int(m.group(1) or m.group(2), 16)
        if code > 0x10FFFF:
            raise self.error("\\u{...} is beyond U+10FFFF")
        self.i = m.end()
        if 0xD800 <= code <= 0xDBFF:
            low = re.compile(r"\\u(d[c-f][0-9a-f]{2})", re.IGNORECASE).match(self.pattern, self.i)
            if low is not None:  # a surrogate pair is one code point with the u flag
                self.i = low.end()
                code = 0x10000 + ((code - 0xD800) << 10) + (int(low.group(1), 16) - 0xDC00)
        if 0xD800 <= code <= 0xDFFF:
            self.unportable("an escaped lone surrogate matches nothing Python can hold the same way", start)
        return f"\\U{code:08x}" if code > 0xFFFF else f"\\u{code:04x}"

    # --- character classes -----------------------------------------------------------------

    def character_class(self) -> None:
        start = self.i
        self.i += 1
        negated = self.peek() == "^"
        if negated:
            self.i += 1
        if self.peek() == "]":
            self.unportable(f"{'[^]' if negated else '[]'} means {'any character' if negated else 'nothing'} in "
                            "JavaScript but starts a class in Python", start)
        parts: list[str] = []
        complements: list[str] = []  # \D \W \S: the sets they are the complement of
        while True:
            if self.i >= len(self.pattern):
                raise self.error("unterminated character class", start)
            if self.peek() == "]":
                break
            if self.pattern[self.i:self.i + 2] in ("--", "&&", "||", "~~") or self.peek() == "[":
                self.unportable("Python warns that [, --, &&, || and ~~ in a class may become set operations "
                                "(escape them)", self.i)
            low_at = self.i
            low, low_text = self.class_atom()
            if self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.i += 1
                high, high_text = self.class_atom()
                if low is None or high is None or low == COMPLEMENT or high == COMPLEMENT:
                    raise self.error("a class escape such as \\d cannot start or end a range", low_at)
                if low > high:
                    raise self.error("range out of order in character class", low_at)
                parts.append(f"{low_text}-{high_text}")
            elif low == COMPLEMENT:
                complements.append(low_text)
            else:
                parts.append(low_text)
        self.i += 1
        self.out.append(_class(negated, "".join(parts), complements))

    def class_atom(self) -> tuple[int | None, str]:
        """(code point, None for \\d \\w \\s or COMPLEMENT for \\D \\W \\S; Python spelling (of the set))."""
        c = self.peek()
        if c != "\\":
            self.i += 1
            return ord(c), ("\\[" if c == "[" else c)  # as written: both engines read it the same
        e = self.peek(1)
        if e == "b":
            self.i += 2
            return 8, "\\x08"
        if e.lower() in _SETS and e:
            self.i += 2
            return (COMPLEMENT if e.isupper() else None), _SETS[e.lower()]
        text = self.character_escape(in_class=True)
        return _code_point(text), text


def _class(negated: bool, inside: str, complements: list[str]) -> str:
    """A class whose members are `inside` plus the complements of `complements` (from \\D, \\W, \\S), which
    a Python class cannot hold: `[a\\S]` -> `(?:[a]|[^ws])`, `[^a\\S]` -> `(?:(?![a])[ws])`."""
    if not complements:
        return f"[{'^' if negated else ''}{inside}]"
    if not negated:  # in inside, or outside one of the sets
        return "(?:" + "|".join(([f"[{inside}]"] if inside else []) + [f"[^{c}]" for c in complements]) + ")"
    first, *rest = complements  # in every set, and not in inside
    return "(?:" + (f"(?![{inside}])" if inside else "") + "".join(f"(?=[{c}])" for c in rest) + f"[{first}])"


def _code_point(escape: str) -> int | None:
    if escape.startswith(("\\x", "\\u", "\\U")):
        return int(escape[2:], 16)
    if len(escape) == 2 and escape[0] == "\\":
        return ord({"f": "\f", "n": "\n", "r": "\r", "t": "\t"}.get(escape[1], escape[1]))
    return None if escape.startswith("\\p") or escape.startswith("\\P") else ord(escape[-1])


def _quantifier_at(pattern: str, i: int) -> re.Match[str] | None:
    return re.compile(r"\{([0-9]+)(,([0-9]*))?\}").match(pattern, i)


def _prescan(pattern: str) -> tuple[int, list[str]]:
    """Capturing groups and group names, found before parsing (backreferences may point forward)."""
    count, names, i, in_class = 0, [], 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(" and not pattern.startswith("(?", i):
            count += 1
        elif pattern.startswith("(?<", i) and pattern[i + 3:i + 4] not in ("=", "!"):
            count += 1
            names.append(pattern[i + 3:pattern.find(">", i)] if ">" in pattern[i:] else "")
        i += 1
    return count, names


def _parse(pattern: str) -> _Parser:
    parser = _Parser(pattern)
    parser.parse()
    return parser
