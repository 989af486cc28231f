"""Log-schema patterns: JavaScript's `u`-flag grammar in Python (`ecma_regex`), held to real node.

One node run per test (tests/js/regex_check.mjs): the Python grammar check must say a pattern compiles
exactly when `new RegExp(p, "u")` does, and the portable spelling must make Python's `re.search` accept
exactly what JavaScript's `test` accepts, on curated and fuzzed corpora (seeded, so deterministic).
"""

from __future__ import annotations

import json
import random
import re
import subprocess
from typing import Any

from conftest import ROOT, require_binary

from obs_codegen.backends import ecma_regex

# --- patterns: JavaScript's u flag in Python, checked against node --------------------------------

REGEX_CHECK = ROOT / "tests" / "js" / "regex_check.mjs"

# Hand-picked: every rule of the u-flag grammar the lint relies on, each side of it.
CURATED = [
    "\\-", "[\\-]", "\\#", "\\ ", "\\_", "\\a", "\\e", "\\Z", "\\A", "\\z", "\\G", "\\h", "\\N", "\\Q", "\\'", '\\"',
    "\\@", "\\<", "\\=", "\\!", "\\:", "\\,", "\\`", "\\~", "\\%", "\\&", "\\;", "\\/", "[\\/]", "\\.", "[\\.]",
    "a{", "a{1", "a{,3}", "{1}", "{", "}", "]", "a{2,1}", "a{1,}", "a{1,2}?", "a{0}", "a{01}", "a{ 1}", "x{2}{3}",
    "a{4294967296}", "a**", "a++", "a*?", "a*??", "[a]**", "[a]*+", "[a]{2}{3}", "(a)*+", "^*", "$*", "\\b+",
    "(?=a)*", "(?!a){2}", "(?<=a)*", "(?<!a)?", "(?=a)", "(?<=ab)c",
    "[]", "[^]", "[]a]", "[\\d-a]", "[a-\\d]", "[\\w-]", "[\\w-a]", "[z-a]", "[a-]", "[--a]", "[[]", "[\\B]", "[\\b]",
    "[\\c]", "[\\c_]", "\\c", "\\c1", "\\cJ", "\\ca", "\\0", "\\01", "\\1", "(a)\\1", "(a)\\2", "(a)\\10",
    "\\k", "\\k<", "\\k<a>", "(?<a>x)\\k<a>", "(?<a>x)(?<a>y)", "(?<$x>a)", "(?<1>a)", "(?<>a)", "(?<a", "(?<a>",
    "(?i:a)", "(?P<a>x)", "(?#c)", "(?>a)", "\\x4", "\\x41", "\\u12", "\\u0041", "\\u{41}", "\\u{}", "\\u{0000041}",
    "\\u{10FFFF}", "\\u{110000}", "\\ud83d\\ude00", "\\ud83d", "\\p{L}", "\\P{Lu}", "\\p{Script=Latin}",
    "(", ")", "(a", "a)", "[a", "\\", "[\\]", "^$", "(?:)", "()", "|", "a|", "\\d+", "[\\s\\S]", "\\v", "\\f",
    "[\\x41-\\x5a]", "[\\u0041-\\u{5a}]", "[a-z&&[aeiou]]", "^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$",
    "^/[A-Za-z0-9/_\\-\\[\\]]*$", "^[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)+$", "^grp_[A-Za-z0-9]{1,32}$",
]
ATOMS = (list("ab1_-#. ^$|()[]{}*+?,/:=!<>") + ["\\" + c for c in "abBcdDsSwWxuk0123-_#. ^$|()[]{}*+?/pPnrtfvZAezN"]
         + ["(?:", "(?=", "(?!", "(?<=", "(?<!", "(?<n>", "\\k<n>", "{2}", "{1,3}", "{3,1}", "{2,}", "\\x41", "\\u0041",
            "\\u{41}", "\\cA", "[^", "\\ud83d\\ude00", "\\p{L}", "[a-z]", "[.]", "[\\d-]", "[^a]", "[\\w]", "[z-a]",
            "[\\b]", "[a-\\d]"])
MEANING_ATOMS = (list("ab1_-. ^$|") + ["\\d", "\\D", "\\w", "\\W", "\\s", "\\S", "\\b", "\\B", "[\\d\\s]", "[^\\w]",
                                       "[\\s\\S]", "[a\\D]", "[^\\S]", "[^a\\W]", "[^1\\D\\S]", "[b^]",
                                       "[a-z]", "(?:", ")", "(", "*", "+", "?", "{2}", "\\n", "\\u2028", "[\\s\\S]",
                                       "(?=", "(?!", "(?<=a)", "\\x41", "\\u{1F600}", "\\cJ", "\\t", "[.]", "\\.", "\\$"])
STRINGS = ["", "a", "ab", "a\n", "ab\n", "\n", "1", "\u0663", "é", "a b", "a\u00a0b", "a\x1cb", "a\ufeffb", "\r", "a\rb",
           "\u2028", "a\u2028", "_", "A", "\U0001f600", "a1_", "\t", "\x0b", "\x85", "aa", "11", "a\n\n", " ", "\u3000",
           "\u200b"]


def fuzzed(atoms: list[str], n: int, seed: int, longest: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(atoms) for _ in range(rng.randint(1, longest))) for _ in range(n)]


def node_regex(syntax: list[str], match: list[str] = [], strings: list[str] | None = None) -> dict[str, Any]:  # noqa: B006 - never mutated
    proc = subprocess.run([require_binary("node"), str(REGEX_CHECK)], input=json.dumps(
        {"syntax": syntax, "match": match, "strings": STRINGS if strings is None else strings}),
        capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def test_u_flag_grammar_agrees_with_node_on_every_pattern() -> None:
    """`ecma_regex.syntax_error` says a pattern compiles exactly when `new RegExp(p, "u")` does, on the
    curated corpus and on 6,000 fuzzed patterns (one node run); the lint's verdict only ever adds to node's."""
    corpus = CURATED + fuzzed(ATOMS, 3000, 1, 8) + fuzzed(ATOMS, 3000, 2, 16)
    verdicts = node_regex(corpus)["syntax"]
    disagree = [(p, js, ecma_regex.syntax_error(p)) for p, js in zip(corpus, verdicts)
                if (js is None) != (ecma_regex.syntax_error(p) is None)]
    assert disagree == []
    valid = [p for p, js in zip(corpus, verdicts) if js is None]
    assert 800 < len(valid) < len(corpus) - 3000  # both verdicts well represented
    for p, js in zip(corpus, verdicts):
        if js is not None:
            assert ecma_regex.portability_error(p) is not None, p
    for p in ("\\-", "\\#", "\\ ", "{", "}", "\\_", "a{,3}", "[a\\-]{"):  # the examples: Python takes them
        re.compile(p)
        assert ecma_regex.syntax_error(p) is not None


def test_portable_spelling_means_what_javascript_means() -> None:
    """For 2,000 fuzzed portable patterns x 30 strings (trailing newlines, Unicode digits and spaces, U+2028,
    astral characters), Python's `re.search(portable(p), s)` equals node's `new RegExp(p, "u").test(s)`;
    the raw pattern in Python does not (the negative control)."""
    patterns = [p for p in fuzzed(MEANING_ATOMS, 6000, 3, 6) if ecma_regex.portability_error(p) is None][:2000]
    assert len(patterns) == 2000
    js = node_regex([], patterns)["match"]
    spelled = [re.compile(ecma_regex.portable(p)) for p in patterns]
    differ = [(p, s) for p, q, row in zip(patterns, spelled, js) for s, ok in zip(STRINGS, row)
              if (q.search(s) is not None) != ok]
    assert differ == []
    def python(p: str) -> re.Pattern[str] | None:
        try:
            return re.compile(p)
        except re.error:  # `\\u{...}` and `\\cJ` are not Python syntax at all
            return None

    raw = [(python(p), row) for p, row in zip(patterns, js)]
    assert sum((q.search(s) is not None) != ok for q, row in raw if q for s, ok in zip(STRINGS, row)) > 500
    assert re.search("^v[0-9]+$", "v1\n") and not re.search(ecma_regex.whole_value("^v[0-9]+$"), "v1\n")


def test_whole_value_anchors_every_branch() -> None:
    for pattern, good, bad in (("^a|b$", ["a", "b"], ["ab", "ax", "xb", "a\n"]), ("a|b", ["a", "b"], ["ab", "b\n"]),
                               ("^[a-z]+$", ["abc"], ["abc\n", "ab1"]), ("^a\\\\$", ["a\\"], ["a\\\n"])):
        spelled = ecma_regex.whole_value(pattern)
        assert all(re.search(spelled, s) for s in good) and not any(re.search(spelled, s) for s in bad), pattern
    assert ecma_regex.escape("u-#. ($)") == "u-#\\. \\(\\$\\)"
    assert ecma_regex.syntax_error(ecma_regex.escape("u-#. ($)")) is None


def test_every_pattern_of_every_shipped_spec_means_the_same_in_node() -> None:
    """Every pattern the Coach Up spec and the test cases declare (tags, log fields, headers, opaque
    hashed-id forms) compiles with node's u flag, and the portable spelling the generated schemas and
    helpers use accepts exactly what node accepts, on the shared strings plus each pattern's own samples."""
    from conftest import CASES, SPEC, model_of

    patterns: set[str] = set()
    for path in [SPEC, *sorted(CASES.glob("*/spec.yaml"))]:
        model = model_of(path)
        patterns |= {p for t in model.tags for p in (t.pattern, t.opaque_pattern) if p}
        patterns |= {h.pattern for h in model.headers}
        fields = [f for f in model.logs.envelope] + [f for o in model.logs.objects for f in o.fields] + [
            f for e in model.logs.events for f in e.fields]
        patterns |= {f.pattern for f in fields if f.pattern}
    ordered = sorted(patterns)
    assert len(ordered) > 15
    strings = STRINGS + ["städte", "v1", "u:" + "a" * 32, "u:" + "a" * 64, "POST /api/chat", "gpt-4o-mini",
                         "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "Bearer a.b.c"]
    result = node_regex(ordered, ordered, strings)
    assert [p for p, err in zip(ordered, result["syntax"]) if err is not None] == []
    differ = [(p, s) for p, row in zip(ordered, result["match"]) for s, ok in zip(strings, row)
              if (re.search(ecma_regex.portable(p), s) is not None) != ok]
    assert differ == []
