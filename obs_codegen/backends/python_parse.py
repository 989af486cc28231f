"""Does a rendered Python file parse? Read in pieces by `symtable`, with a per-user cache of the pieces that passed.

A 10,000-metric spec renders 21 MB of Python; CPython parses it at about 9 MB/s, two seconds of the
Python backend. `parses` reads a file in pieces cut between top-level statements (each piece's
verdict implies the whole file's, see `parses`), and `_Verdicts` remembers, per user and per Python
build, the SHA-256 of every piece that passed: a piece seen before passes again without being
parsed, since the same text parses the same way under the same parser. Only passes are stored, so a
cache entry can never turn a failing file into a passing one: a text that does not parse has no entry
(a hash collision aside, 2^-128). The cuts depend on the text (`_pieces`), so after an edit only the
pieces around it are new.

Where: `<cache>/parsed-<key>/verdicts` (obs_codegen/cache.py: `$OBS_CODEGEN_CACHE_DIR`, empty to disable,
else `$XDG_CACHE_HOME/obs-codegen` or `~/.cache/obs-codegen`), private (0700), one line per piece, the
8,192 most recently used kept; key: the Python version and build. An unusable directory or an unreadable
file is no cache, never an error; a write goes to a temporary file renamed over the old one.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import zlib

from ..cache import cache_root, private_dir

_KEEP = 8192  # entries; a 10,000-metric package has about 90 pieces


class _Verdicts:
    """The pieces that passed, by hash: those read from the cache file and those that passed in this process."""

    _loaded: _Verdicts | None = None

    def __init__(self, path: str | None, known: dict[str, None]) -> None:
        self.path, self.known, self.changed = path, known, False

    @classmethod
    def load(cls) -> _Verdicts:
        """This process's verdicts (the cache file read once), or an empty set with no file when there is no cache."""
        if cls._loaded is None:
            cls._loaded = cls(*_read())
        return cls._loaded

    def check(self, text: str, mode: str) -> None:
        """Return when `text` parses in `mode` (known, or parsed now); raise SyntaxError (...) as `symtable` does."""
        key = hashlib.sha256(f"{mode}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()[:32]
        if key in self.known:
            del self.known[key]  # most recently used last (written with the next new entry)
            self.known[key] = None
            return
        import symtable

        symtable.symtable(text, "<rendered>", mode)
        self.known[key] = None
        self.changed = True

    def save(self) -> None:
        """Write the most recently used entries back, when a piece was added (a failed write: no cache next time)."""
        if self.path is None or not self.changed:
            return
        keys = list(self.known)[-_KEEP:]
        temporary = f"{self.path}.{os.getpid()}.tmp"
        try:
            with open(temporary, "w", encoding="ascii") as f:
                f.write("\n".join(keys) + "\n")
            os.replace(temporary, self.path)
            self.changed = False
        except OSError:
            try:
                os.unlink(temporary)
            except OSError:
                pass


_ENTRY = re.compile(r"[0-9a-f]{32}")


def _read() -> tuple[str | None, dict[str, None]]:
    root = cache_root()
    if root is None:
        return None, {}
    key = hashlib.sha256(f"{sys.version}\0{sys.implementation.cache_tag}".encode()).hexdigest()[:16]
    directory = root / f"parsed-{key}"
    if not private_dir(root) or not private_dir(directory):
        return None, {}
    path = str(directory / "verdicts")
    try:
        with open(path, encoding="ascii") as f:
            lines = f.read(64 * _KEEP).splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    return path, {line: None for line in lines if _ENTRY.fullmatch(line)}


_PIECE_CHARS = 1 << 18
# A line break before a line that may begin a top-level statement (not a clause continuing the one above).
_STATEMENT_START = re.compile(r"\n(?=[A-Za-z_@])(?!(?:else|elif|except|finally|case)\b)")


def _next_start(text: str, at: int) -> int | None:
    """The first line break at or after `at` before a line that may start a statement, and not after a decorator."""
    while (found := _STATEMENT_START.search(text, at)) is not None:
        line = text.rfind("\n", 0, found.start()) + 1
        if text[line] != "@":
            return found.start()
        at = found.start() + 1
    return None


def _pieces(text: str, size: int) -> list[str]:
    """`text` cut, every `size` to `4 * size` characters, after a line break followed by a line that may start a
    statement, preferably one whose first characters hash to a multiple of 8.

    The preference makes the cuts depend on the text around them, not on their distance from the start
    (as rsync's and FastCDC's chunks do): an edit early in a file moves the cuts after it with their
    text, so the pieces after it are the same pieces again, and the verdict cache knows them."""
    out, start = [], 0
    while len(text) - start > size:
        cut = _next_start(text, start + size)
        if cut is None:
            break
        limit = start + 4 * size
        chosen: int | None = cut
        while chosen is not None and chosen < limit and zlib.crc32(text[chosen:chosen + 40].encode("utf-8", "surrogatepass")) & 7:
            chosen = _next_start(text, chosen + 1)
        if chosen is not None and chosen < limit:
            cut = chosen
        out.append(text[start:cut + 1])
        start = cut + 1
    out.append(text[start:])
    return out


def parses(text: str, size: int = _PIECE_CHARS) -> bool:
    """True when `text` parses as a Python module (`compile` with `ast.PyCF_ONLY_AST`: parse, run nothing).

    Parsing a 5 MB module at once builds a 350 MB syntax tree; so the text is read in pieces of about
    256 KiB, cut before lines at column 0, by `symtable` (the C parser and the compiler's symbol-table
    pass, which checks more than the parse: `nonlocal` at module level...; it builds no Python syntax
    tree and, unlike `compile`, no bytecode: 40 % less time). When every piece passes, the whole parses: a piece that parses
    alone ends with its last statement complete and the tokenizer outside any bracket, string or
    continuation line, so the next piece starts a statement at column 0 in the state a fresh parse
    starts in, and a module is any sequence of statements (this parse checks no placement rule, not
    even that of `from __future__`; a text naming `barry_as_FLUFL`, which changes the grammar of what
    follows, is parsed whole). When a cut was not between statements (inside a string, before an
    `else` ...), a piece fails and the whole text is parsed at once, as before: the verdict is always
    the whole text's. A piece that is one large dict display (`labels.LABEL_CHECKS`: 2.7 MB, 170 MB of
    syntax tree at 10,000 metrics) is cut into its items (`_split_literal`). tests/test_python_context_check.py
    holds it to that on cut rendered files."""
    import warnings

    verdicts = _Verdicts.load()
    try:
        if "barry_as_FLUFL" in text:  # the one import that changes how the parser reads what follows it
            raise ValueError("parsed whole")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)  # the compiler's own warnings: the whole parse has none
            pending = _pieces(text, size)
            while pending:
                piece = pending.pop()
                split = _split_literal(piece, size) if len(piece) > 2 * size else None
                if split is None:
                    verdicts.check(piece, "exec")  # parsed in C: no Python syntax tree, no bytecode
                    continue
                modules, items = split
                for i, chunk in enumerate(items):
                    verdicts.check("{**{}, " + chunk + ("\n}" if i == len(items) - 1 else "\n0: 0}"), "eval")
                for module in modules:
                    pending.extend(_pieces(module, size))
        verdicts.save()
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass  # undecided: the whole text decides
    try:
        compile(text, "<rendered>", "exec", dont_inherit=True, flags=0x400)  # ast.PyCF_ONLY_AST
        return True
    except SyntaxError:
        return False


# The first line of a statement that opens a dict display at module scope, `NAME[: TYPE] = [CALLEE(]{`,
# at the start of a line.
_DICT_OPENER = re.compile(r"(?:\A|(?<=\n))[A-Za-z_]\w*(?:: [\w\[\], .]+)? = (?:[A-Za-z_][\w.]*\()?\{(?=\n)")
_ITEM_END = re.compile(r",\n(?=    [^\s)\]}])")  # after a dict item, before the next one at the item indent


def _split_literal(piece: str, size: int) -> tuple[list[str], list[str]] | None:
    """A piece too large to parse at once that holds a dict display, cut around its items; None if it holds none.

    `HEAD` + `NAME = f({` + items + `\n})REST` becomes the module texts `HEAD` and `NAME = f({\n})REST` (the
    skeleton) and chunks of about `size` characters of items, each cut after an item's `,` line. The whole
    parses when the module texts do and every chunk but the last parses as `{**{}, CHUNK\n0: 0}` (the last
    as `{**{}, CHUNK\n}`):
      * HEAD ends before a line at column 0, so when it parses the opener line starts a statement, as
        at any cut of `_pieces`;
      * the opener line holds no string, comment, lambda or comprehension: its `{` opens a dict display
        at module scope;
      * a chunk that parses so is a balanced run of dict items ending in a `,` token, read from and
        ending in the state a bracket leaves the tokenizer in (no string, no line structure);
    so the chunks joined are an item list that the empty `{\n}` of the skeleton can hold. A cut inside a
    string, a comment or a nested bracket makes some text fail, and the caller parses the whole."""
    opener = _DICT_OPENER.search(piece)
    if opener is None:
        return None
    head, start = piece[:opener.start()], opener.end()
    close = piece.find("\n}", start)
    if close <= start:
        return None  # no closer, or no items: a skeleton is its own skeleton, so it is parsed as it is
    chunks, at = [], start
    while close - at > size:
        cut = _ITEM_END.search(piece, at + size, close)
        if cut is None:
            break
        chunks.append(piece[at:cut.start() + 2])
        at = cut.start() + 2
    chunks.append(piece[at:close])
    return [t for t in (head, piece[opener.start():start] + piece[close:]) if t], chunks
