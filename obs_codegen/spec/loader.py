"""Stage 1: read a spec file strictly into plain data plus a table of source positions.

Everything that can go wrong with the bytes of a spec (too large, not UTF-8, not
YAML, duplicate keys, alias bombs, the wrong shape for the spec schema) becomes a
`Diagnostic` with file, line and column; nothing here raises on bad input. Only a
file that cannot be read raises OSError: `read_spec` opens regular files only (a
FIFO, device or directory is refused unread) and never reads past the size limit.
Large specs stay fast: libyaml scans when installed, the node limit applies while
composing, and no check is quadratic in the size of the spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic
from ..safe_io import TooLarge, read_regular
from . import controls
from .shape import validate_shape
from .stream import streamed

MAX_SPEC_BYTES = 2 * 1024 * 1024
MAX_ALIASES = 100
MAX_NODES = 200_000
MAX_DEPTH = 64


@dataclass(frozen=True)
class Limits:
    """The bounds that keep a hostile or runaway spec (a YAML bomb, a generator gone wrong) from hanging
    obs-codegen. Today's values are the defaults; `--max-spec-bytes`, `--max-yaml-nodes` and
    `--max-yaml-aliases` raise (or lower) them for one run. Every bound still applies: nodes are counted
    while composing and again after alias expansion, aliases as they are composed. A spec's
    `project.limits` block sets the values no flag sets, read before parsing (spec/limits.py)."""

    spec_bytes: int = MAX_SPEC_BYTES
    nodes: int = MAX_NODES
    aliases: int = MAX_ALIASES
    # Fields set on the command line; the others a spec's `project.limits` may replace (spec/limits.py).
    explicit: frozenset[str] = frozenset()


DEFAULT_LIMITS = Limits()

PathT = tuple[Any, ...]


@dataclass
class Source:
    """A loaded spec: its data, raw bytes, and where each key and value sits."""

    path: str
    raw: bytes = b""
    data: Any = None
    values: dict[PathT, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathT, tuple[int, int]] = field(default_factory=dict)
    text: str = ""  # the decoded YAML text (what node marks index into)
    # Multi-file specs (spec/includes.py): the file each included item came from, by the item's path
    # (`("metrics", "api.request.count")`), and every included file as (path relative to the root's
    # directory, display name, bytes), in include order.
    origins: dict[PathT, str] = field(default_factory=dict)
    included: list[tuple[str, str, bytes]] = field(default_factory=list)

    def file(self, path: PathT) -> str:
        """The file the value at `path` was read from: an included file's name, else this spec's."""
        if self.origins:
            p = tuple(path)
            while p:
                if p in self.origins:
                    return self.origins[p]
                p = p[:-1]
        return self.path

    def pos(self, path: PathT, key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of the value (or key) at `path`, else of its nearest ancestor."""
        p = tuple(path)
        if key and p in self.keys:
            return self.keys[p]
        while p and p not in self.values:
            p = p[:-1]
        return self.values.get(p, (1, 1))

    def diag(self, path: PathT, rule: str, message: str, severity: str = "error", key: bool = False) -> Diagnostic:
        line, col = self.pos(path, key=key)
        return Diagnostic(self.file(path), line, col, rule, severity, message)  # type: ignore[arg-type]


class _Bomb(Exception):
    pass


def _expanded_size(node: Any, memo: dict[int, tuple[int, int]], active: set[int],
                   max_nodes: int = MAX_NODES) -> tuple[int, int]:
    """(nodes, depth) of `node` once aliases are copied; raises _Bomb when either is over its bound.

    Aliases can nest deeper than the text does (`b: &b [[*a]]`, `c: &c [[*b]]`, ...), so the depth
    is checked on the expansion too: later stages recurse over the data.
    """
    import yaml

    if id(node) in memo:
        return memo[id(node)]
    if id(node) in active:  # `&a [*a]`: an alias inside its own anchor
        raise _Bomb("a YAML alias refers to its own anchor; refusing to expand", node.start_mark)
    active.add(id(node))
    size, depth = 1, 1
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        for child in node.value:
            for sub in child if isinstance(child, tuple) else (child,):
                sub_size, sub_depth = _expanded_size(sub, memo, active, max_nodes)
                size, depth = size + sub_size, max(depth, sub_depth + 1)
                if size > max_nodes:
                    raise _Bomb(f"spec expands to more than {max_nodes} nodes; refusing (YAML bomb?)",
                                node.start_mark)
                if depth > MAX_DEPTH:
                    raise _Bomb(f"aliases nest the spec more than {MAX_DEPTH} levels deep; refusing",
                                node.start_mark)
    active.discard(id(node))
    memo[id(node)] = (size, depth)
    return size, depth


def _scalar(node: Any, src: Source, diags: list[Diagnostic], constructor: Any) -> Any:
    """The Python value of a scalar node; a value its tag cannot hold (`!!int abc`) is a diagnostic."""
    if node.tag == "tag:yaml.org,2002:timestamp":
        return str(node.value)
    try:
        return constructor.construct_object(node, deep=True)
    except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError):
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        diags.append(Diagnostic(src.path, line, col, "spec-yaml", "error",
                                f"invalid YAML value {node.value!r} for tag {node.tag}"))
        return str(node.value)


def _checked_text(value: Any, node: Any, src: Source, path: PathT, diags: list[Diagnostic], key: bool = False) -> Any:
    """`value`, with a `spec-control-character` diagnostic (and U+FFFD) for each string holding a forbidden character."""
    if not isinstance(value, str):
        return value
    index = controls.first_forbidden(value, False)
    if index is None:
        return value  # nothing a line of text refuses, so nothing free text refuses (a subset)
    from .schema import is_free_text

    free_text = not key and is_free_text(path)
    if free_text:
        index = controls.first_forbidden(value, True)
        if index is None:
            return value
    text = src.text
    line, col = controls.position(text, node, controls.source_offset(text, node, free_text))
    what = "a mapping key" if key else ".".join(str(p) for p in path) or "the spec"
    block = getattr(node, "style", None) in ("|", ">") and value[index] == "\n"
    rule = ("only descriptions may span lines; a block scalar (| or >) keeps its line breaks, write a one-line value"
            if block else "descriptions may hold newlines and tabs, no other line breaks or control characters" if free_text
            else "names, keys and values are one line of printable text (only descriptions may hold newlines)")
    diags.append(Diagnostic(src.path, line, col, "spec-control-character", "error",
                            f"{what} contains {controls.describe(value[index])}; {rule}"))
    return controls.clean(value, free_text)


def _convert(node: Any, src: Source, path: PathT, diags: list[Diagnostic], budget: list[Any]) -> Any:
    import yaml

    budget[0] -= 1
    if budget[0] < 0:
        raise _Bomb()
    src.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                diags.append(Diagnostic(src.path, line, col, "spec-yaml", "error",
                                        "YAML merge keys (<<) are not supported; use tag_sets"))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                diags.append(Diagnostic(src.path, line, col, "spec-yaml", "error", "mapping keys must be plain strings"))
                continue
            key = _checked_text(str(key_node.value), key_node, src, path, diags, key=True)
            kpath = path + (key,)
            kpos = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in out:
                first = src.keys[kpath]
                diags.append(
                    Diagnostic(
                        src.path, kpos[0], kpos[1], "spec-duplicate-key", "error",
                        f"duplicate key '{key}' (first defined at line {first[0]}, column {first[1]})",
                    )
                )
                continue
            src.keys[kpath] = kpos
            out[key] = _convert(value_node, src, kpath, diags, budget)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, src, path + (i,), diags, budget) for i, item in enumerate(node.value)]
    return _checked_text(_scalar(node, src, diags, budget[1]), node, src, path, diags)


def read_spec(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The bytes of the spec file: a regular file only (a FIFO, device or directory is refused unread),
    read up to the size limit. Raises OSError (safe_io.NotRegularFile, TooLarge, ...) when it cannot be read."""
    return read_regular(path, limits.spec_bytes)


def load(path: str | Path, display: str | None = None,
         limits: Limits = DEFAULT_LIMITS) -> tuple[Source, list[Diagnostic]]:
    """Read and parse the spec at `path` (and the files its `include:` names, beside it). Raises OSError
    only when the root file cannot be read."""
    import posixpath

    from .include_paths import FsTree
    from .limits import read_bound

    name = display or str(path)
    try:
        raw = read_spec(path, replace(limits, spec_bytes=read_bound(limits)))
    except TooLarge as exc:
        return Source(name), [Diagnostic(name, 1, 1, "spec-too-large", "error",
                                         f"spec is {exc.size} bytes; the limit is {limits.spec_bytes}")]
    tree = FsTree(Path(path).parent, posixpath.dirname(name), Path(path).name)
    return load_bytes(raw, name, limits, tree)


def load_bytes(raw: bytes, name: str, limits: Limits = DEFAULT_LIMITS, tree: Any = None) -> tuple[Source, list[Diagnostic]]:
    """Decode and parse spec bytes read elsewhere (`git show`), named `name` in diagnostics; its includes are
    read from `tree` (spec/include_paths.py: the file system, a git revision), None: a spec with includes is an error."""
    from .limits import effective, mismatches

    limits = effective(raw, limits)
    if len(raw) > limits.spec_bytes:
        return Source(name), [Diagnostic(name, 1, 1, "spec-too-large", "error",
                                         f"spec is {len(raw)} bytes; the limit is {limits.spec_bytes}")]
    src = Source(name, raw)
    text, bad = decode_spec(name, raw)
    if bad is not None:
        return src, [bad]
    if text.startswith("\ufeff"):
        text = text[1:]
    diags = parse_text(src, text, limits=limits, validate=False)
    if isinstance(src.data, dict):
        from .includes import apply_includes

        diags += apply_includes(src, tree, limits)
        diags += mismatches(src, raw)
        diags += validate_shape(src)
    return src, diags


def parse_text(src: Source, text: str, fast: bool = True, limits: Limits = DEFAULT_LIMITS,
               validate: bool = True) -> list[Diagnostic]:
    """Compose YAML `text` into `src.data`, with positions, and return the diagnostics (with `validate`,
    those of the spec schema too: load_bytes validates after merging a multi-file spec's includes).

    With `fast` (and libyaml installed) libyaml scans and parses, ten times quicker than PyYAML's
    pure-Python scanner on large specs; composing stays in Python so the bounds below apply. Any
    YAML error is re-parsed by PyYAML, so diagnostics (wording, positions) do not depend on libyaml.
    """
    import yaml

    diags: list[Diagnostic] = []
    src.text = text
    if fast and streamed(src, text, limits.nodes, MAX_DEPTH):  # a clean spec, in one pass (spec/stream.py)
        return validate_shape(src) if validate else diags
    aliases = depth = nodes = 0
    fast_loader = _libyaml_loader() if fast else None
    try:
        loader = fast_loader(text) if fast_loader else yaml.SafeLoader(text)
        try:
            # Count alias events while composing: a billion-laughs spec fails here, before any expansion.
            # Bound the nesting too: PyYAML composes recursively, so `[[[[...` would overflow the stack.
            original = loader.compose_node

            def compose_node(parent: Any, index: Any) -> Any:
                nonlocal aliases, depth, nodes
                nodes += 1
                if nodes > limits.nodes:  # a large spec stops here, before the rest is even parsed
                    raise _TooMany(loader.peek_event().start_mark)
                if loader.check_event(yaml.AliasEvent):
                    aliases += 1
                    if aliases > limits.aliases:
                        event = loader.peek_event()
                        raise _AliasLimit(event.start_mark)
                depth += 1
                try:
                    if depth > MAX_DEPTH:
                        raise _TooDeep(loader.peek_event().start_mark)
                    return original(parent, index)
                finally:
                    depth -= 1

            loader.compose_node = compose_node  # type: ignore[method-assign]
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except _AliasLimit as exc:
        m = exc.args[0]
        return [Diagnostic(src.path, m.line + 1, m.column + 1, "spec-yaml-aliases", "error",
                           f"more than {limits.aliases} YAML aliases; refusing to expand (YAML bomb?)")]
    except _TooDeep as exc:
        m = exc.args[0]
        return [Diagnostic(src.path, m.line + 1, m.column + 1, "spec-yaml", "error",
                           f"invalid YAML: nested more than {MAX_DEPTH} levels deep")]
    except _TooMany as exc:
        m = exc.args[0]
        return [Diagnostic(src.path, m.line + 1, m.column + 1, "spec-too-large", "error",
                           f"spec has more than {limits.nodes} YAML nodes; the limit is {limits.nodes}")]
    except yaml.YAMLError as exc:
        if fast_loader:
            return parse_text(src, text, fast=False, limits=limits, validate=validate)
        return [_yaml_error(src, text, exc)]
    if node is None:
        return [Diagnostic(src.path, 1, 1, "spec-empty", "error", "spec is empty")]
    constructor = yaml.SafeLoader.__new__(yaml.SafeLoader)
    yaml.constructor.SafeConstructor.__init__(constructor)
    try:
        if aliases:  # without aliases the composed size and depth were bounded while composing
            _expanded_size(node, {}, set(), limits.nodes)  # before any copying: billion laughs and `&a [*a]` stop here
        src.data = _convert(node, src, (), diags, [limits.nodes, constructor])
    except _Bomb as exc:
        src.data = None
        message, m = exc.args
        return [Diagnostic(src.path, m.line + 1, m.column + 1, "spec-yaml-aliases", "error", message)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        for m in (getattr(exc, "context_mark", None), mark):
            if isinstance(m, yaml.Mark):
                m.buffer = None  # no source snippet: libyaml's marks have none, and the message must not depend on it
        return [Diagnostic(src.path, line, col, "spec-yaml", "error", f"invalid YAML value: {exc}")]
    if not isinstance(src.data, dict):
        diags.append(src.diag((), "spec-type", "the spec must be a mapping of sections"))
        return diags
    if validate:
        diags.extend(validate_shape(src))
    return diags


def _yaml_error(src: Source, text: str, exc: Any) -> Diagnostic:
    """The diagnostic for a PyYAML error, at its position."""
    import yaml

    if isinstance(exc, yaml.reader.ReaderError):
        before = text[: exc.position]
        line, col = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        return Diagnostic(src.path, line, col, "spec-yaml", "error",
                          f"invalid YAML: control character #x{exc.character:04x} is not allowed")
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        return Diagnostic(src.path, line, col, "spec-yaml", "error", f"invalid YAML: {problem}")
    return Diagnostic(src.path, 1, 1, "spec-yaml", "error", f"invalid YAML: {exc}")


def _libyaml_loader() -> Any:
    """A loader class with libyaml's C scanner and parser under PyYAML's Python composer, or None."""
    import yaml

    try:
        from yaml._yaml import CParser
    except ImportError:
        return None

    class LibyamlLoader(yaml.composer.Composer, CParser, yaml.constructor.SafeConstructor,
                        yaml.resolver.Resolver):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    return LibyamlLoader


class _AliasLimit(Exception):
    pass


class _TooMany(Exception):
    pass


class _TooDeep(Exception):
    pass


def decode_spec(name: str, raw: bytes) -> tuple[str, Diagnostic | None]:
    """The text of a spec file, or a `spec-encoding` diagnostic at the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        # Columns count characters (as YAML marks do): decode the valid start of the line.
        col = len(before[before.rfind(b"\n") + 1:].decode("utf-8").lstrip("\ufeff")) + 1
        return "", Diagnostic(name, line, col, "spec-encoding", "error",
                              f"spec is not valid UTF-8 (byte 0x{raw[exc.start]:02x})")
