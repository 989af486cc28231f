"""`contexts.check_python`'s reading of strings and comments gives tokenize's verdict.

Escaped text is marked by private-use sentinels; tokenize decides whether each mark lies in a
token of its kind (`contexts._check_python`). Before Python 3.12, `_marks_in_place` reads only the
strings and comments, and tokenize runs only when it refuses or the file does not compile. Here
both run on every rendered Python file of the Coach Up spec and of every test case (where the
shortcut must be taken), on hundreds of mutations of them (marks moved, swapped, dropped, quotes,
`#` and backslashes inserted) and on hand-written corner cases: the returned text, or the error
and its message, must be the same.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CASE_NAMES, checked_texts

from obs_codegen.backends import contexts, python_parse
from obs_codegen.backends.python_pkg import render
from obs_codegen.spec.model import Model

# a mutated file may hold `\w` in a string: compile warns (invalid escape), and these tests compile many
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::SyntaxWarning")
DOC_OPEN, DOC_CLOSE = contexts.SENTINELS["docstring"]
COMMENT_OPEN, COMMENT_CLOSE = contexts.SENTINELS["comment"]


def verdict(check: Callable[[str], str], text: str) -> str:
    try:
        return "ok:" + check(text)
    except contexts.MisplacedText as exc:
        return f"error:{exc}"


def same(text: str) -> None:
    assert verdict(contexts.check_python, text) == verdict(contexts._check_python, text), repr(text[:200])


@pytest.fixture(scope="module")
def rendered(model: Model) -> list[str]:
    """Every rendered Python file, marks in, as the Python backend hands it to check_python."""
    return checked_texts("check_python", render, model)


def test_every_rendered_file_takes_the_shortcut_with_tokenizes_result(rendered: list[str]) -> None:
    for text in rendered:
        assert contexts._marks_in_place(text)
        same(text)


def test_mutated_files_get_tokenizes_verdict(rendered: list[str]) -> None:
    rnd = random.Random(12)
    marked = [t for t in rendered if contexts._ANY.search(t)]
    outcomes = {True: 0, False: 0}
    for _ in range(600):
        text = rnd.choice(marked)
        marks = [m.start() for m in contexts._ANY.finditer(text)]
        at, where = rnd.choice(marks), rnd.randrange(len(text))
        op = rnd.randrange(6)
        if op == 0:  # move one mark elsewhere
            text = text[:at] + text[at + 1:]
            text = text[:where] + rnd.choice(contexts.ALL) + text[where:]
        elif op == 1:  # the other kind's mark in its place
            other = {DOC_OPEN: COMMENT_OPEN, DOC_CLOSE: COMMENT_CLOSE, COMMENT_OPEN: DOC_OPEN, COMMENT_CLOSE: DOC_CLOSE}
            text = text[:at] + other[text[at]] + text[at + 1:]
        elif op == 2:  # drop one
            text = text[:at] + text[at + 1:]
        elif op == 3:  # a pair somewhere
            kind = rnd.choice(list(contexts.SENTINELS))
            text = text[:where] + contexts.mark(kind, "x") + text[where:]
        else:  # a character that changes where strings and comments begin or end, near a mark
            near = max(0, min(len(text), at + rnd.randint(-40, 40)))
            text = text[:near] + rnd.choice(["'", '"', '"""', "#", "\\", "\n", "f", "r"]) + text[near:]
        same(text)
        outcomes[verdict(contexts._check_python, text).startswith("ok:")] += 1
    assert min(outcomes.values()) > 100, outcomes  # both verdicts, often


def _first_marked_token(text: str) -> int:
    """Where `_marks_in_place`'s token-by-token lexing first meets a mark: the start of the string or
    comment holding it, the mark itself when it is in code, or the start of an unterminated string."""
    i = 0
    while True:
        found, mark = contexts._PY_NEXT.search(text, i), contexts._ANY.search(text, i)
        if found is None or mark is not None and mark.start() < found.start():
            return len(text) if mark is None else mark.start()
        start = found.start()
        if text[start] == "#":
            line_end = contexts._PY_LINE_END.search(text, start)
            end = len(text) if line_end is None else line_end.start()
        else:
            quote = text[start:start + 3] if text.startswith(('"""', "\'\'\'"), start) else text[start]
            rest = contexts._PY_END[quote].match(text, start + len(quote))
            if rest is None:
                return start
            end = rest.end()
        if contexts._ANY.search(text, start, end):
            return start
        i = end


def test_one_match_skips_what_the_token_loop_would(rendered: list[str]) -> None:
    """`_PY_SKIP` stops exactly where the token loop first meets a mark, on every rendered file and on
    files with quotes, comment signs, backslashes and line breaks inserted anywhere (some with no mark)."""
    rnd = random.Random(7)
    texts = list(rendered)
    for _ in range(1500):
        text = rnd.choice(rendered)
        for _ in range(rnd.randint(1, 4)):
            where = rnd.randrange(len(text) + 1)
            text = text[:where] + rnd.choice(["'", '"', '"""', "\'\'\'", "#", "\\", "\n", "\r", "x"]) + text[where:]
        texts.append(text if rnd.random() < 0.8 else contexts._strip(text))  # no mark: skipped to the end
    stops = set()
    for text in texts:
        stop = _first_marked_token(text)
        assert contexts._PY_SKIP.match(text).end() == stop, repr(text[max(0, stop - 80):stop + 80])
        stops.add(stop == len(text))
    assert stops == {True, False}


@pytest.mark.parametrize("text", [
    f'"""{DOC_OPEN}a{DOC_CLOSE}"""\n',
    f"r'''{DOC_OPEN}a{DOC_CLOSE}'''\n",
    f'Rb"""{DOC_OPEN}a{DOC_CLOSE}"""\n',
    f'X = f"""{DOC_OPEN}a{DOC_CLOSE}"""\n',  # an f-string is not a docstring context
    f'X = rf"""{DOC_OPEN}a{DOC_CLOSE}"""\n',
    f'X = 1 if 0 else"""{DOC_OPEN}a{DOC_CLOSE}"""\n',  # a keyword before the quote, not a prefix
    f'X = 1 if 0 else"{DOC_OPEN}a{DOC_CLOSE}"\n',
    f'X = "{DOC_OPEN}a{DOC_CLOSE}"\n',  # one quote: not a docstring
    f'X = "#"  # {COMMENT_OPEN}c{COMMENT_CLOSE}\n',
    f"X = '\\'#'  # {COMMENT_OPEN}c{COMMENT_CLOSE}\n",
    f'X = "a\\\nb"  # {COMMENT_OPEN}c{COMMENT_CLOSE}\n',
    f'X = """a\\""""  # {COMMENT_OPEN}c{COMMENT_CLOSE}\n',
    f'X = """a""""  # {COMMENT_OPEN}c{COMMENT_CLOSE}\n',
    f'# {COMMENT_OPEN}c\n{COMMENT_CLOSE}\n',  # a pair split over two comments
    f'# {COMMENT_OPEN}c{COMMENT_CLOSE}\rX = 1\n',
    f'X = 1  {COMMENT_OPEN}c{COMMENT_CLOSE}\n',  # in code
    f'X = "{COMMENT_OPEN}c{COMMENT_CLOSE}"\n',  # a comment mark in a string
    f'"""{DOC_OPEN}a"""\n"""{DOC_CLOSE}"""\n',
    f'"""{DOC_OPEN}a{DOC_CLOSE}\n',  # unterminated
    f'X = (  # {COMMENT_OPEN}c{COMMENT_CLOSE}\n',  # does not compile
    f'def f():\n    """{DOC_OPEN}a{DOC_CLOSE}"""\n    return f"{{1!r}}"  # {COMMENT_OPEN}c{COMMENT_CLOSE}\n',
    "X = 1\n",
])
def test_corner_cases(text: str) -> None:
    same(text)


def _whole(text: str) -> bool:
    try:
        compile(text, "<rendered>", "exec", dont_inherit=True, flags=0x400)
        return True
    except SyntaxError:
        return False


def test_parsing_in_pieces_gives_the_whole_texts_verdict(rendered: list[str]) -> None:
    """`parses` cuts a file into pieces; tiny pieces (cut before almost every column-0 line) on every rendered
    file and on mutations that break statements across cuts (open brackets, strings, continuations, clauses,
    decorators, indentation) must give the verdict of parsing the whole file."""
    rnd = random.Random(17)
    texts = [contexts._strip(t) for t in rendered]
    assert sum(python_parse._split_literal(t, 1) is not None for t in texts) >= len(CASE_NAMES)  # labels.py, at least
    for text in texts:
        assert len(python_parse._pieces(text, 1)) > 1 or text.count("\n") < 3
        for size in (1, 64, 4096):
            assert python_parse.parses(text, size) == _whole(text) is True
    inserts = ["(", ")", "[", "]", "{", "'''", '"""', "'", '"', "\\\n", "\n", "  ", "\t", "else:\n", "elif x:\n",
               "except:\n", "finally:\n", "case 1:\n", "@x\n", "def f():\n", "class C:\n", "if x:\n", "x = (\n",
               "from __future__ import annotations\n", "#", "return\n", "\n    pass\n", "lambda", ":", "async "]
    # and where a dict display is cut into its items (`_split_literal`): items that are not dict items,
    # commas and closers moved, the opener line changed
    item_inserts = [",", "    'k': 1,\n", "    'k': 1\n", "    1,\n", "    **x,\n", "    }),\n", "    (y := 1): 2,\n",
                    "    'k': (yield),\n", "    'k': lambda: {\n", "    x for x in y\n", "# c,\n", "\n}\n", "({"]
    outcomes = {True: 0, False: 0}
    for _ in range(1500):
        text = rnd.choice(texts)
        lines = [m.start() + 1 for m in python_parse._STATEMENT_START.finditer(text)] or [0]
        items = [m.end() for m in python_parse._ITEM_END.finditer(text)] + [m.end() for m in python_parse._DICT_OPENER.finditer(text)]
        for _ in range(rnd.randint(1, 3)):
            if items and rnd.random() < 0.3:
                at, insert = rnd.choice(items), rnd.choice(item_inserts + inserts)
            else:
                at = rnd.choice(lines) if rnd.random() < 0.7 else rnd.randrange(len(text) + 1)
                insert = rnd.choice(inserts)
            text = text[:at] + insert + text[at:]
        whole = _whole(text)
        assert python_parse.parses(text, rnd.choice([1, 40, 300])) == whole, repr(text[:300])
        outcomes[whole] += 1
    assert min(outcomes.values()) > 200, outcomes


@pytest.mark.parametrize("text", [
    "x = 1 + \\\ny = 2\n", "x = '''\ny = 2\n'''\n", "if x:\n    pass\nelse:\n    pass\n", "@d\ndef f(): pass\n",
    "x = (\n1)\n", "def f():\n    return 1\nreturn 2\n", "x = 1\nfrom __future__ import annotations\n", "x = 1\n  y = 2\n",
    "a = 1\nb = \n", "try:\n    pass\nfinally:\n    pass\n", "match x:\n    case 1:\n        pass\ncase 2:\n    pass\n",
    "x = 1\n\x00y = 2\n", "from __future__ import barry_as_FLUFL\nx = 1\ny = 1 != 2\n",
    "from __future__ import barry_as_FLUFL\nx = 1\ny = 1 <> 2\n", "x = 1\nfrom __future__ import braces\n",
    "def f():\n    return 1\nx = 1 is 'a'\n", "nonlocal x\n", "def f(a, a):\n    pass\n", "await x\n",
    "x = f'''\n{y}\nz'''\n", "x = 1\r\ny = 2\r\n", "class C:\n    a = 1\nb = C\n",
    # dict displays cut into items (`_split_literal`)
    "X = {\n    'a': 1,\n    'b': 2,\n}\n", "X = {\n    'a': 1\n    'b': 2,\n}\n", "X = {\n    1,\n    2,\n}\n",
    "X = {\n    'a': 1,\n    2,\n}\n", "X = {\n    'a': \"\"\"\n}\n\"\"\",\n}\n",
    "\"\"\"\nX = {\n    'a': \"\"\"x\"\"\",\n}\n\"\"\"\n",
    "X = {\n    'a': (yield),\n}\n", "X = f({\n    'a': 1,\n}, y)\n", "X = {\n    **y,\n    'a': 1,\n}\n",
    "X = {\n    'a': 1,\n    }\n", "X = {\n    'a': 1,  # c,\n    'b': 2,\n}\n",
    "X: T[a, b] = M({\n    'a': {\n    'b': 1,\n    }\n})\n",
    "X = {\n    'a': 1,\n    'b': 2,\n}\nY = {\n    'c': 3,\n}\nZ = (\n", "X = {\n    'a': 1,\n    'b': 2,\n}}\n",
    "def f():\n    X = {\n    'a': (yield),\n}\n", "X = [{\n    'a': 1,\n}]\n",
])
def test_pieces_corner_cases(text: str) -> None:
    def outcome(parse: Callable[[], bool]) -> object:
        try:
            return parse()
        except ValueError as exc:  # null bytes, on a Python that raises ValueError for them: the whole text's
            return type(exc)

    assert outcome(lambda: python_parse.parses(text, 1)) == outcome(lambda: _whole(text))


@pytest.mark.parametrize("text", [
    "X = {\n}\n" + "y = [\n" + "    1,\n" * 50 + "]\n", "X = {\n}\n", "X = f({\n})\nY = {\n    'a': 1,\n}\n",
    "X = {\n    'a': 1,\n}\n" * 3,
])
def test_cutting_a_dict_display_always_shrinks_what_is_left(text: str) -> None:
    """`parses` parses what `_split_literal` leaves again: each text it leaves must be shorter than the piece,
    or an empty display (`X = {\\n}`, its own skeleton) would be cut forever."""
    split = python_parse._split_literal(text, 1)
    if split is not None:
        modules, chunks = split
        assert all(len(m) < len(text) for m in modules) and chunks
    assert python_parse.parses(text, 1) == _whole(text)


def test_cuts_shrink_on_every_rendered_file(rendered: list[str]) -> None:
    for text in (contexts._strip(t) for t in rendered):
        for piece in python_parse._pieces(text, 1):
            split = python_parse._split_literal(piece, 1)
            assert split is None or all(len(m) < len(piece) for m in split[0])


# --- the verdict cache (python_parse._Verdicts) --------------------------------------------------------

@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """A fresh cache directory and process state; returns the texts `symtable` parses from then on."""
    import symtable

    monkeypatch.setenv("OBS_CODEGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(python_parse._Verdicts, "_loaded", None)
    parsed: list[str] = []
    real = symtable.symtable

    def counting(text: str, filename: str, mode: str) -> object:
        parsed.append(text)
        return real(text, filename, mode)

    monkeypatch.setattr(symtable, "symtable", counting)
    return parsed


def _fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(python_parse._Verdicts, "_loaded", None)  # what a new process starts with


def _cut_cleanly(texts: list[str], size: int) -> list[str]:
    """The texts each of whose pieces parses alone (the others are decided by one whole parse, uncached)."""
    import symtable

    def alone(piece: str) -> bool:
        try:
            symtable.symtable(piece, "<piece>", "exec")
            return True
        except SyntaxError:
            return False

    return [t for t in texts if all(alone(p) for p in python_parse._pieces(t, size))]


def test_a_piece_that_passed_once_is_not_parsed_again(rendered: list[str], counted: list[str],
                                                      monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    texts = _cut_cleanly([contexts._strip(t) for t in rendered], 2000)
    assert len(texts) > len(rendered) * 0.8
    counted.clear()
    assert all(python_parse.parses(t, 2000) for t in texts)
    cold = len(counted)
    (entries,) = (tmp_path / "cache").glob("parsed-*/verdicts")
    assert cold > len(texts) and len(entries.read_text().split()) == len(set(counted))
    counted.clear()
    _fresh_process(monkeypatch)
    assert all(python_parse.parses(t, 2000) for t in texts) and counted == []
    bad = texts[-1] + "def (\n"
    for _ in range(2):  # a failing text is parsed every time: only passes are remembered
        assert python_parse.parses(bad, 2000) is False and counted
        counted.clear()


def test_after_an_edit_only_the_pieces_around_it_are_parsed(rendered: list[str], counted: list[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The cuts follow the text (`_pieces`): a statement added near the start leaves the later pieces as they were."""
    text = max(_cut_cleanly([contexts._strip(t) for t in rendered], 500), key=len)
    counted.clear()
    pieces = python_parse._pieces(text, 500)
    assert len(pieces) > 20
    assert python_parse.parses(text, 500)
    counted.clear()
    _fresh_process(monkeypatch)
    cut = len(pieces[0]) + len(pieces[1])  # between two statements
    edited = text[:cut] + "EDITED_CONSTANT = 1\n" * 7 + text[cut:]
    assert python_parse.parses(edited, 500) and 1 <= len(counted) <= 4, len(counted)


@pytest.mark.parametrize("content", ["garbage\n\x00\xff", "0" * 32 + "\n" + "z" * 32, ""])
def test_a_damaged_cache_file_is_no_cache(rendered: list[str], counted: list[str], tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch, content: str) -> None:
    text = contexts._strip(rendered[0])
    assert python_parse.parses(text, 2000)
    (entries,) = (tmp_path / "cache").glob("parsed-*/verdicts")
    entries.write_bytes(content.encode("latin-1"))
    _fresh_process(monkeypatch)
    counted.clear()
    assert python_parse.parses(text, 2000) and counted
    assert python_parse.parses(text + "def (\n", 2000) is False


def test_no_cache_directory_means_no_cache(rendered: list[str], counted: list[str], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBS_CODEGEN_CACHE_DIR", "")
    text = contexts._strip(rendered[0])
    for _ in range(2):
        _fresh_process(monkeypatch)
        counted.clear()
        assert python_parse.parses(text, 2000) and counted
    assert not (tmp_path / "cache").exists()


def test_cuts_follow_the_text_where_statements_are_short(counted: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Cuts placed by distance alone would all move after one inserted statement in a run of short ones (every later
    piece new); cuts placed by the text resynchronise within a few pieces."""
    lines = [f"METRIC_{i:05d}: Final = {i % 10}\n" for i in range(4000)]  # all of one length, as the insert
    text, edited = "".join(lines), "".join(lines[:40] + ["METRIC_EXTRA: Final = 0\n"] + lines[40:])
    assert python_parse.parses(text, 2000)
    before = len(counted)
    counted.clear()
    _fresh_process(monkeypatch)
    assert python_parse.parses(edited, 2000) and before > 30 and len(counted) <= 3, (before, len(counted))
