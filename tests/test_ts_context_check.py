"""`contexts.check_typescript`'s one-match skip of code and strings gives the token-by-token lexer's verdicts.

With no template literal open, `_ts_runs` consumes code and quoted strings that hold no `/`, backtick
or mark in one regular-expression match (`_TS_SKIP`) and reads only the last significant token after
it. Here every rendered TypeScript and JavaScript file of the Coach Up spec and of every test case,
hundreds of mutations of them (marks moved, slashes, quotes, backticks, braces and line breaks put
anywhere) and hand-written corner cases are checked with the skip and with it switched off (a
pattern that matches nothing): the returned text, or the error and its message, must be the same.
"""

from __future__ import annotations

import random
import re

import pytest
from conftest import checked_texts

from obs_codegen.backends import contexts
from obs_codegen.backends.typescript import render
from obs_codegen.spec.model import Model

COMMENT_OPEN, COMMENT_CLOSE = contexts.SENTINELS["comment"]


def verdict(text: str) -> str:
    try:
        return "ok:" + contexts.check_typescript(text)
    except contexts.MisplacedText as exc:
        return f"error:{exc}"


def same(text: str, monkeypatch: pytest.MonkeyPatch) -> str:
    with_skip = verdict(text)
    with monkeypatch.context() as m:
        m.setattr(contexts, "_TS_SKIP", re.compile(""))
        token_by_token = verdict(text)
    assert with_skip == token_by_token, repr(text[:300])
    return with_skip


@pytest.fixture(scope="module")
def rendered(model: Model) -> list[str]:
    """Every rendered TypeScript/JavaScript file, marks in, as the templating layer hands it to check_typescript."""
    return checked_texts("check_typescript", render, model)


def test_every_rendered_file_gets_the_same_verdict(rendered: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for text in rendered:
        assert same(text, monkeypatch).startswith("ok:")


def test_mutated_files_get_the_same_verdict(rendered: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(3)
    marked = [t for t in rendered if contexts._ANY.search(t)]
    outcomes = {True: 0, False: 0}
    for _ in range(500):
        text = rnd.choice(marked)
        marks = [m.start() for m in contexts._ANY.finditer(text)]
        for _ in range(rnd.randint(1, 3)):
            at = rnd.choice(marks) if rnd.random() < 0.5 else rnd.randrange(len(text))
            near = max(0, min(len(text), at + rnd.randint(-60, 60)))
            text = text[:near] + rnd.choice(["/", "//", "/*", "*/", "'", '"', "`", "${", "}", "{", "\\", "\n",
                                             COMMENT_OPEN, COMMENT_CLOSE, "return ", " x"]) + text[near:]
        outcomes[same(text, monkeypatch).startswith("ok:")] += 1
    assert min(outcomes.values()) > 50, outcomes  # both verdicts, often


@pytest.mark.parametrize("text", [
    f"/** {COMMENT_OPEN}a{COMMENT_CLOSE} */\n",
    f"const a = 'x' / 2; // {COMMENT_OPEN}a{COMMENT_CLOSE}\n",
    f"const a = 'x'; /'/; // {COMMENT_OPEN}a{COMMENT_CLOSE}\n",  # a regex after `;`
    f"return /'/; // {COMMENT_OPEN}a{COMMENT_CLOSE}\n",
    f"const s = \"{COMMENT_OPEN}a{COMMENT_CLOSE}\";\n",  # a mark in a string
    f"const s = 'a\\\n{COMMENT_OPEN}'; // {COMMENT_CLOSE}\n",
    f"const s = 'unterminated\n// {COMMENT_OPEN}a{COMMENT_CLOSE}\n",
    f"const t = `${{ {{a: 1}}.a }}` / 2; // {COMMENT_OPEN}a{COMMENT_CLOSE}\n",
    f"const t = `${{ '}}' }}` // {COMMENT_OPEN}a{COMMENT_CLOSE}\n",
    f"x   \n   /'/ // {COMMENT_OPEN}a{COMMENT_CLOSE}\n",
    f"{COMMENT_OPEN}a{COMMENT_CLOSE} // x\n",  # marks in code
    f"/* {COMMENT_OPEN}a */ /* {COMMENT_CLOSE} */\n",
    f"/* {COMMENT_OPEN}a *//* {COMMENT_CLOSE} */\n",  # adjacent block comments are one run
])
def test_corner_cases(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    same(text, monkeypatch)
