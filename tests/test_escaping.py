"""Every escaper of `obs_codegen.backends.escape`, over one hostile corpus, read back by the real parser.

Each test feeds every string of HOSTILE through one escaper, embeds the result in its context
and parses the text with what consumes it (Python's `ast`/`compile`/`tokenize`, `tomllib`, `json`,
`yaml.safe_load`, `promql_parser`, and `tsc` + `node` for TypeScript, in one batch), asserting
that the value comes back unchanged (literals) or that the context survives intact (comments:
exactly one comment, nothing after it is swallowed). Strings a format cannot hold (a lone
surrogate in TOML, YAML or PromQL) must raise `Unrepresentable`, never produce broken text.
"""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
from pathlib import Path

import pytest
import tomllib
import yaml
from conftest import ROOT, node_tool, run

from obs_codegen.backends import escape, yaml_doc

HOSTILE = [
    '"""', "'''", '"', "'", "\"'\"", '""', "''", '""""', "x\"", "'x", "“smart” ‘quotes’",
    "*/", "/*", "-->", "<!--", "</script>", "<img src=x onerror=alert(1)>", "&amp; &lt;",
    "\\N", "\\N{BULLET}", "\\x", "\\x4", "\\u", "\\u12", "\\U", "\\", "ends with a backslash \\", "\\\\", "\\'", '\\"',
    "\x00", "a\x00b", "\r", "\r\n", "\n", "line\nbreak", "\t", "\x0b\x0c", "\x1b[31m", "\x7f", "\x85", "\x9f",
    "\u2028", "\u2029", "a\u2028b", "\ufeff", "\u202e\u2066", "\ud83d", "\udfff", "a\ud800b", "\ud83d\ude00",
    "😀", "👩\u200d💻", "\U000e0001", "\ue000",
    "${x}", "${process.exit(1)}", "`", "``", "`${`", "{{ 7*7 }}", "{% raw %}", "{#", "{{", "}}",
    ": # - ? & * ! | > %", "- item", "# heading", "1. one", "1) one", "---", "===", "> quote", "+ plus",
    "[toml]", 'a = "b"', "[[x]]", "key.with.dots",
    "|", "a|b", "\\|", "`a|b`", "*bold*", "_em_", "__init__", "snake_case_name", "~~strike~~", "$x$",
    "[link](javascript:alert(1))",
    "type: ignore", "# type: ignore", "type:ignore[misc]", "coding: latin-1", "-*- coding: latin-1 -*-",
    "noqa", "# noqa: E501", "@ts-expect-error", "@ts-nocheck", "/// <reference path=\"x\" />",
    "", " ", "  padded  ", "plain text", "x" * 500,
]
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPRESENTABLE = [v for v in HOSTILE if not LONE_SURROGATE.search(v)]
IDS = [ascii(v)[:40] for v in HOSTILE]


def one_line(value: str) -> str:
    """What comment and Markdown escapers show: whitespace runs as one space, non-printables as \\uXXXX."""
    return "".join(ch if ch.isprintable() else escape._u_escape(ch) for ch in " ".join(value.split()))


# --- Python --------------------------------------------------------------------------------

@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
def test_py_str_is_a_literal_of_the_value_in_code_docstring_and_comment(value: str) -> None:
    literal = escape.py_str(value)
    assert ast.literal_eval(literal) == value
    assert "\n" not in literal and "\r" not in literal and "\0" not in literal
    literal.encode("utf-8")  # no lone surrogate reaches the file
    # Misplaced inside a docstring or a comment, it still cannot end either.
    doc = ast.parse(f'"""x {literal} y"""\nZ = 1\n')
    assert isinstance(doc.body[0], ast.Expr) and isinstance(doc.body[1], ast.Assign)
    assert len(ast.parse(f"Z = 1  # {literal}\nW = 2\n").body) == 2


@pytest.mark.parametrize("quote", ['"""', "'''"])
@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
def test_py_doc_reads_back_as_the_docstring(value: str, quote: str) -> None:
    body = escape.py_doc(value)
    source = f"def f() -> None:\n    {quote}{body}{quote}\n\n\nX = 1\n"
    tree = ast.parse(source)
    compile(source, "<doc>", "exec")
    assert [type(n).__name__ for n in tree.body] == ["FunctionDef", "Assign"]  # nothing escaped the docstring
    assert ast.get_docstring(tree.body[0], clean=False) == value  # type: ignore[arg-type]
    source.encode("utf-8")


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
def test_py_comment_stays_one_comment_without_pragmas(value: str) -> None:
    text = escape.py_comment(value)
    source = f"X = 1  # {text}\nY = 2\n"
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    comments = [t for t in tokens if t.type == tokenize.COMMENT]
    assert len(comments) == 1 and comments[0].start[0] == 1
    assert len(ast.parse(source, type_comments=True).body) == 2
    assert not re.search(r"#\s*type:", source) and not re.search(r"coding[:=]", source)
    assert not re.search(r"noqa", source, re.IGNORECASE)
    source.encode("utf-8")
    assert text.replace("type :", "type:").replace("no qa", "noqa").replace("coding :", "coding:") \
        .replace("coding =", "coding=") == one_line(value).replace("coding  =", "coding =")


def test_py_str_matches_repr_for_ordinary_strings() -> None:
    for value in ("plain", "it's", 'say "hi"', "back\\slash", "tab\there", "é😀"):
        assert escape.py_str(value) == repr(value)


# --- TypeScript: one tsc + node run for every case ---------------------------------------------

def utf16(text: str) -> bytes:
    return text.encode("utf-16-le", "surrogatepass")


def test_typescript_escapers_under_tsc_and_node(tmp_path: Path) -> None:
    lines = ["export const literals: string[] = [];"]
    for i, value in enumerate(HOSTILE):
        lit = escape.ts_str(value)
        lines += [
            f"literals.push({lit});",
            f"/** {escape.ts_doc(value)} */",
            f"export const doc{i} = {i};",
            f"/* {escape.ts_doc(value)} */ export const block{i} = {i};",
            f"// {escape.ts_comment(value)}",
            f"export const line{i} = {i};",
            f"/* {lit} */ export const inBlock{i} = {i};",  # a literal misplaced in a comment stays inert
            f"export const inTemplate{i} = `{lit}`;",  # ... and in a template literal
        ]
    (tmp_path / "cases.ts").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "main.ts").write_text(
        'import * as cases from "./cases.js";\n'
        "const named = cases as unknown as Record<string, unknown>;\n"
        "process.stdout.write(JSON.stringify({ literals: cases.literals, names: Object.keys(cases).length,"
        f" templates: Array.from({{ length: {len(HOSTILE)} }}, (_, i) => named[`inTemplate${{i}}`]) }}));\n",
        encoding="utf-8")
    (tmp_path / "package.json").write_text('{"type": "module"}')
    config = {"compilerOptions": {"strict": True, "module": "nodenext", "moduleResolution": "nodenext",
                                  "target": "es2022", "types": ["node"],
                                  "typeRoots": [str(ROOT / "node_modules" / "@types")], "outDir": "js"},
              "files": ["cases.ts", "main.ts"]}
    (tmp_path / "tsconfig.json").write_text(json.dumps(config))
    compiled = run([node_tool("tsc"), "-p", "tsconfig.json"], tmp_path)
    assert compiled.returncode == 0, compiled.stdout[-3000:]
    ran = run(["node", "js/main.js"], tmp_path)
    assert ran.returncode == 0, ran.stderr
    got = json.loads(ran.stdout)  # node escapes lone surrogates as \udXXX, json.loads restores them
    # JavaScript strings are UTF-16: compare code units (a Python pair of surrogates is one JS emoji).
    assert [utf16(v) for v in got["literals"]] == [utf16(v) for v in HOSTILE]
    assert got["names"] == 1 + 5 * len(HOSTILE)  # every declaration after every comment survived
    assert [utf16(v) for v in got["templates"]] == [utf16(f'"{v}"') for v in HOSTILE]  # no `${` ran, no backtick ended one
    for value in HOSTILE:
        for text in (escape.ts_str(value), escape.ts_doc(value)):
            text.encode("utf-8")
            assert "\u2028" not in text and "\u2029" not in text and "\n" not in text
        assert "*/" not in escape.ts_doc(value) and "@ts-" not in escape.ts_doc(value).lower()


# --- JSON, TOML, YAML --------------------------------------------------------------------------

@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
def test_json_round_trips(value: str) -> None:
    text = escape.json_value({"k": value, "n": [1, 2.5, True, None]}, indent=2)
    back = json.loads(text)  # JSON text is UTF-16 escapes: a Python pair of surrogates reads back as one character
    assert utf16(back.pop("k")) == utf16(value) and back == {"n": [1, 2.5, True, None]}
    text.encode("utf-8")
    assert not any(not ch.isprintable() and ch != "\n" for ch in text)


def test_json_refuses_nan() -> None:
    with pytest.raises(escape.Unrepresentable):
        escape.json_value(float("nan"))


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
def test_toml_string_and_key_round_trip(value: str) -> None:
    if LONE_SURROGATE.search(value):
        for fn in (escape.toml_str, escape.toml_key):
            with pytest.raises(escape.Unrepresentable):
                fn(value)
        return
    doc = tomllib.loads(f"[table]\nk = {escape.toml_str(value)}\n{escape.toml_key(value)} = 1\n")
    assert doc["table"]["k"] == value and doc["table"][value] == 1


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
def test_yaml_scalar_and_comment(value: str) -> None:
    assert yaml.safe_load(f"a: 1  # {escape.yaml_comment(value)}\nb: 2\n") == {"a": 1, "b": 2}
    if LONE_SURROGATE.search(value):
        with pytest.raises(escape.Unrepresentable):
            escape.yaml_str(value)
        return
    text = escape.yaml_str(value)
    assert yaml.safe_load(f"k: {text}\nnext: 1\n") == {"k": value, "next": 1}
    assert yaml.safe_load(f"- {text}\n- after\n") == [value, "after"]


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
def test_yaml_documents_round_trip(value: str) -> None:
    """The emitter the rules, promtool tests and Grafana provisioning are written with (`yaml_document`)."""
    for doc in ({"k": value}, {"k": value + "\nsecond line"}, {"k": "first\n" + value, "z": [value]}):
        for sort_keys in (False, True):
            text = yaml_doc.yaml_document(doc, sort_keys=sort_keys)
            text.encode("utf-8")
            assert yaml.safe_load(text) == doc


# --- PromQL --------------------------------------------------------------------------------

@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
def test_promql_label_value_round_trips(value: str) -> None:
    import promql_parser

    if LONE_SURROGATE.search(value):
        with pytest.raises(escape.Unrepresentable):
            escape.promql_str(value)
        return
    tree = promql_parser.parse(f"metric{{label={escape.promql_str(value)}, other=\"x\"}}")
    matchers = {m.name: m.value for m in tree.matchers.matchers}  # type: ignore[attr-defined]
    assert matchers == {"label": value, "other": "x"}


# --- Markdown: no parser in the test tools, so decode CommonMark's escapes by its rules ---------

_MD_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">"}


def md_decode(text: str) -> str:
    """CommonMark inline decoding of what `md` emits: backslash before ASCII punctuation, three entities."""
    text = re.sub(r"&(amp|lt|gt);", lambda m: _MD_ENTITIES[m.group(0)], text)
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


def unescaped(text: str, chars: str) -> list[str]:
    """Characters of `chars` in `text` that are not preceded by an odd number of backslashes."""
    return [m.group(1) for m in re.finditer(r"(?<!\\)(?:\\\\)*([" + re.escape(chars) + "])", text)]


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
def test_markdown_text_is_literal_one_line_and_inert(value: str) -> None:
    text = escape.md(value)
    assert "\n" not in text and "<" not in text and ">" not in text
    assert unescaped(text, "|`*[]~$") == []  # no table break, code span, emphasis, link, strike or math
    assert not re.match(r"[#+=-]|[0-9]+[.)]", text)  # no heading, list or setext underline at a line start
    for m in re.finditer(r"(?<!\\)_", text):  # an unescaped `_` is inside a word, where it cannot emphasise
        assert 0 < m.start() < len(text) - 1 and text[m.start() - 1].isalnum() and text[m.start() + 1].isalnum()
    assert md_decode(text) == one_line(value)


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
def test_markdown_code_spans(value: str) -> None:
    for fn, cell in ((escape.md_code, False), (escape.md_cell_code, True)):
        span = fn(value)
        fence = re.match(r"`+", span).group(0)  # type: ignore[union-attr]
        assert span.endswith(fence) and "\n" not in span
        inner = span[len(fence):-len(fence)]
        assert fence not in inner  # the span cannot close early
        if inner.startswith(" ") and inner.endswith(" ") and inner.strip(" "):
            inner = inner[1:-1]  # CommonMark strips one space on each side
        expected = one_line(value)
        if cell:  # GFM splits the row first (`\\X` pairs are escapes), then turns `\\|` into `|`
            assert unescaped(inner, "|") == []
            inner = inner.replace("\\|", "|")
            expected = re.sub(r"(\\*)\|", lambda m: m.group(1) * 2 + "|", expected)
        assert inner == expected or (not expected and inner == " ")


def test_markdown_url_is_one_destination() -> None:
    for value in HOSTILE:
        url = escape.md_url("https://grafana.example.com/d/" + value)
        assert not re.search(r"[\s()<>\"'`\\]", url) and url.isascii()


# --- numbers and identifiers -------------------------------------------------------------------

def test_num_is_a_literal_everywhere() -> None:
    for value, text in ((25, "25"), (25.0, "25"), (0.01, "0.01"), (1e-12, "1e-12"), (-3.5, "-3.5"), (2**60, str(2**60))):
        assert escape.num(value) == text
        assert ast.literal_eval(text) == value and json.loads(text) == value
        assert tomllib.loads(f"k = {text}")["k"] == value
    for bad in (float("nan"), float("inf"), True, "1", None):
        with pytest.raises((TypeError, ValueError)):
            escape.num(bad)


@pytest.mark.parametrize("value", ["x\n", "1abc", "class", "a-b", "", "a b", "a$b", "é"])
def test_ident_rejects_what_python_cannot_name(value: str) -> None:
    with pytest.raises(ValueError):
        escape.ident(value, "python")


def test_ident_grammars() -> None:
    assert escape.ident("X_REQUEST_ID", "python") == "X_REQUEST_ID"
    assert escape.ident("$x", "typescript") == "$x"
    assert escape.ident("metric-app-request-count", "markdown") == "metric-app-request-count"
    for language in escape.LANGUAGES:
        with pytest.raises(ValueError):
            escape.ident("a\nb", language)


def test_md_fast_path_is_the_per_character_escape() -> None:
    """`md` escapes characters at once when none needs escaping; on any text that gives what escaping each
    character gives (seeded texts over the characters Markdown treats specially)."""
    import random

    from obs_codegen.backends import escape as esc

    rnd = random.Random(17)
    alphabet = list("ab_1 .#-=+\\`*[]|~$&<>\t\u2028xé")
    fast = 0
    for _ in range(20_000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))
        assert esc._md_chars(text) == "".join(esc._md_char(text, i) for i in range(len(text))), repr(text)
        fast += esc._re(esc._MD_SPECIAL).search(text) is None
    assert 100 < fast < 19_000  # both paths were taken
