"""The hostile values the generator places in the spec: strings, names, wrong types, numbers.

Every table maps a short, stable variant id (part of each case id) to a value. Injection
payloads that try to run code create a marker file named `PWNED-<variant>` in the working
directory when they succeed: the harness imports the generated Python and runs the generated
JavaScript with the working directory inside its sandbox, then fails every case whose marker
exists. No payload does anything but create that empty file.
"""

from __future__ import annotations

from typing import Any

MARKER_PREFIX = "PWNED-"
# An absolute path outside every sandbox that traversal payloads aim at; the harness asserts it never appears.
ESCAPE_DIR = "/tmp/obs-codegen-adversarial-escape"


def _py(variant: str) -> str:
    return f'open("{MARKER_PREFIX}{variant}", "w").close()'


def _js(variant: str) -> str:
    return f'(await import("node:fs")).writeFileSync("{MARKER_PREFIX}{variant}", "")'


# Appended to the field's own text (`Shop` + payload), so the rest of the spec keeps its meaning.
INJECT: dict[str, str] = {
    # breaking out of Python docstrings, string literals and comments
    "dquote3": f'"""; {_py("dquote3")}; """',
    "squote3": f"'''; {_py('squote3')}; '''",
    "dquote": ' "quoted" ',
    "squote": " it's ",
    "newline-py": f"\n{_py('newline-py')}\n",
    "cr-py": f"\r{_py('cr-py')}\r",
    "crlf": "\r\nsecond line\r\n",
    # breaking out of JSDoc / block comments, template literals and line comments in TypeScript
    "comment-close": f"*/ {_js('comment-close')}; /*",
    "comment-open": " /* unterminated",
    "newline-js": f"\n{_js('newline-js')};\n",
    "u2028": f"\u2028{_js('u2028')};\u2028",
    "u2029": f"\u2029{_js('u2029')};\u2029",
    "nel": "\x85next line",
    "template": " ${globalThis.process.exit(7)} ",
    "backtick": " `tick` ",
    "script": " </script><script>alert(1)</script> <!-- ",
    # escape sequences that a non-raw literal or docstring interprets
    "backslash-N": " \\N ",
    "backslash-x": " \\x ",
    "backslash-u": " \\u ",
    "backslash-end": " \\",
    "backslash-path": " C:\\new\\table\\0 ",
    # control characters, NUL, surrogates (written as YAML "\ud83d" escapes) and invisible code points
    "nul": "\x00",
    "ansi": " \x1b[31mred\x1b[0m ",
    "controls": " \x07\x08\x0b\x0c ",
    "del": " \x7f ",
    "surrogate-high": "\ud83d",
    "surrogate-low": "\udc00",
    "surrogate-pair": "\ud83d\ude00",
    "bom": "\ufeff",
    "bidi": " \u202eevil\u202c ",
    "zero-width": "\u200b\u200d",
    "emoji": " \U0001f6d2 ",
    # template engines, format strings, markup and other languages' metacharacters
    "jinja-expr": " {{ 7*7 }} ",
    "jinja-stmt": " {% raw %} ",
    "jinja-comment": " {# c #} ",
    "format": " %s %(x)s {0} {x} ",
    "yaml": " : - # & * ! | > % @ ",
    "promql": '"} or vector(1) or {a="',
    "markdown": " | cell | [x](javascript:alert(1)) ",
    "toml": '"\n[tool.evil]\nx = "',
    "json": '", "injected": "',
    "long": " " + "x" * 10_000,
}

# Payloads the "done when" names: each goes into every free-text field even in the default run.
PRIORITY = ("dquote3", "comment-close", "backslash-N", "backslash-x", "nul", "surrogate-high", "crlf", "template")

# Replacements for names (keys and identifier-like values): traversal, reserved words, shape.
NAMES: dict[str, str] = {
    "dotdot-slash": "../x",
    "abs": ESCAPE_DIR + "/x",
    "slash": "a/b",
    "dot": ".",
    "dotdot": "..",
    "tilde": "~",
    "backslash": "a\\b",
    "nul": "a\x00b",
    "trailing-newline": "{orig}\n",
    "leading-newline": "\n{orig}",
    "trailing-space": "{orig} ",
    "empty": "",
    "long": "a" * 300,
    "digit-first": "1{orig}",
    "uppercase": "{ORIG}",
    "unicode": "caf\u00e9",
    "fullwidth": "\uff53hop",
    "json": "json",
    "typing": "typing",
    "os": "os",
    "class": "class",
    "none": "None",
    "constructor": "constructor",
    "proto": "__proto__",
    "prototype": "prototype",
    "dunder-init": "__init__",
    "le": "le",
    "service": "service",
    "severity": "severity",
    "slo": "slo",
    "job": "job",
    "name": "__name__",
    "dquote3": 'a"""b',
    "comment-close": "a*/b",
    "newline-mid": "a\nb",
    "dollar-brace": "a${b}",
}

# Wrong types for any node of the spec.
TYPES: dict[str, Any] = {
    "null": None,
    "true": True,
    "list": [1],
    "map": {"a": 1},
    "empty-list": [],
    "empty-map": {},
    "empty-string": "",
    "string": "x",
    "int-huge": 10**400,
    "int-negative": -1,
    "zero": 0,
    "float": 1.5,
    "nan": float("nan"),
    "inf": float("inf"),
    "neg-inf": float("-inf"),
}


def fill(template: str, original: str) -> str:
    """A NAMES entry for one field: `{orig}` / `{ORIG}` stand for the field's original text."""
    return template.replace("{orig}", original).replace("{ORIG}", original.upper())
