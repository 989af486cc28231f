"""The deterministic generator of hostile specs: one mutation of BASE per case, with a stable id.

Classes (the part of the id before the first `-`):
  inject  an injection string appended to one string field or name (`inject-dquote3@project.title`), or to
          every free-text field at once: `@all-text` (those that do not reach Prometheus) or `@prom-text`
          (alert and SLO descriptions and summaries, which become rule annotations)
  name    a hostile name or identifier: traversal, reserved words, a trailing newline (`name-dotdot@key:slos.api-availability`)
  type    a wrong type for one node (`type-null@slos.api-availability.objective`)
  num     boundary numbers, durations and empty collections (`num-objective-100`)
  yaml    hostility at the YAML and encoding level: tags, aliases, duplicate keys, BOMs, UTF-16 (`yaml-bomb`)
  struct  legal specs without optional sections (`struct-no-logs`)
  size    large but legal specs (`size-enum-50k`)

`cases(full=True)` is the full-size set `make adversarial` runs: every payload in one field of
every kind (slots.py), every name variant for every name kind, every wrong type for every node
kind, every hand-written case. `cases()` is the default set `make test` runs, a few hundred
cases: every payload in every free-text field at once, the issue's "done when" payloads in the
fields that land in generated code, the name variants that matter where they matter (traversal
in names that become paths, reserved words in labels, modules and object keys, a trailing
newline everywhere), the hand-written cases, and a fixed share of the rest chosen by a hash of
the case id. The share is smaller for cases that change the generated Prometheus rules, because
each distinct rules file costs seconds of `promtool test rules`. Nothing is random: ids and
contents are identical on every run and machine.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from . import payloads as P
from .base import BASE_YAML, base_data, dotted, get, put
from .slots import kind_of, name_slots, node_paths, one_per_kind, value_slots
from .textcases import NUM_EDITS, SIZE_CASES, STRUCT_EDITS, YAML_CASES

FREE_TEXT = ("title", "description", "summary", "folder")
PROM_TEXT = ("alerts.*.description", "alerts.*.summary", "slos.*.description")
# Kinds whose value reaches the generated Prometheus rules (measured once with a harmless edit of each
# kind): only a cost estimate for choosing the default set, never a reason to skip a check.
PROM_KINDS = frozenset({
    "project.name", "project.metric_prefix", "project.environments.*", "project.links.catalog", "project.links.grafana",
    "tags.*.type", "tags.*.values.*", "tags.*.label", "tag_sets.*.*", "metrics.*.type", "metrics.*.tags.*",
    "metrics.*.buckets", "budgets.*.unit", "key:services.*", "key:tags.*", "key:metrics.*", "key:slos.*", "key:alerts.*",
    *(k for k in (s.kind for s in value_slots()) if k.startswith(("slos.", "alerts."))),
})
# Name kinds whose names become file names, directories or module names in out/.
FILE_NAMES = ("key:services.*", "key:slos.*", "key:alerts.*", "project.packages.python", "project.packages.typescript",
              "project.name")
# Identifier-like string values that get the NAMES variants too.
IDENT_VALUES = ("project.name", "project.metric_prefix", "project.environments.*", "project.packages.python",
                "project.packages.typescript", "hashing.salt_env", "tags.*.label", "tags.*.values.*", "tags.*.prefix",
                "redaction.forbidden_fields.*", "slos.*.period", "alerts.*.for", "alerts.*.cost_per_user.average_over",
                "headers.*.value", "logs.events.*.fields.*.values.*", "logs.envelope.*.values.*")
TRAVERSAL = ("dotdot-slash", "abs", "slash", "dot")
RESERVED_FOR: dict[str, tuple[str, ...]] = {
    "project.packages.python": ("json", "typing", "os", "class", "none", "dunder-init"),
    "project.packages.typescript": ("proto", "constructor"),
    "tags.*.label": ("le", "service", "severity"),
    "key:tags.*": ("le", "constructor", "proto"),
    "key:logs.envelope.*": ("constructor", "proto", "class"),
    "key:logs.events.*.fields.*": ("constructor", "proto", "prototype", "class", "none"),
    "key:logs.objects.*": ("constructor", "proto"),
    "project.environments.*": ("constructor",),
    "tags.*.values.*": ("proto",),
    "key:headers.*": ("constructor", "proto"),
    "key:hops.*": ("constructor", "proto"),
    "key:metrics.*": ("class",),
}
# Where the "done when" payloads always go in the default run: fields that land in generated code.
CODE_FIELDS = ("project.title", "metrics.*.description", "tags.*.values.*", "key:headers.*")
# Payloads for the annotations (Go templates, PromQL and YAML quoting, control characters).
PROM_PAYLOADS = ("jinja-expr", "template", "promql", "crlf", "dquote3")
# Where every name variant and every wrong type goes in the default run (names in generated code; a number).
EVERY_NAME = "key:logs.events.*.fields.*"
EVERY_TYPE = "project.series_budget"
# Per-mille of the other cases of a class in the default set: (cases that leave the rules alone, cases that change them).
DEFAULT_PER_MILLE = {"inject": (6, 1), "name": (5, 1), "type": (3, 3)}
DEFAULT_NUM = ("num-objective-0", "num-objective-100", "num-objective-99.99999", "num-for-0s", "num-threshold-not-a-bucket",
               "num-for-10000d", "num-period-400d", "num-period-401d", "num-average-over-10000d", "num-q-1e-09",
               "num-above-1e+308", "num-above-9007199254740993", "num-buckets-many", "num-hex-chars-65",
               "num-max-bytes-9007199254740992", "num-min-above-max", "num-empty-list-environments",
               "num-empty-list-enum-values", "num-empty-map-services", "num-empty-map-events", "num-empty-list-header-hops")
DEFAULT_SIZE = ("size-description-1.9mb",)
# Below the first two levels the full set tries fewer wrong types (schema errors there all look alike).
DEEP_TYPES = ("null", "true", "list", "map", "int-huge", "nan", "empty-string", "string")


@dataclass(frozen=True)
class Case:
    """One hostile spec: `text` is the file's bytes; `note` says in words what was done."""

    id: str
    cls: str
    text: bytes
    note: str

    def snippet(self, limit: int = 600) -> str:
        """The part of the spec that differs from BASE, for reports."""
        return _diff_snippet(self.text, limit)


def dump(data: Any) -> bytes:
    """YAML for plain data; strings PyYAML cannot print raw (NUL, surrogates) become YAML escapes.

    Non-ASCII text is written raw when that reads back the same; PyYAML prints U+0085 (and other
    characters YAML treats specially) raw, so data holding one is checked by loading it back, and
    written with every non-ASCII character escaped when the raw form would not survive.
    """
    for dumper in (_DUMPER, yaml.SafeDumper):  # libyaml cannot print surrogates even as escapes
        try:
            text = yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=10**9)
        except UnicodeEncodeError:
            continue
        if _tricky(data) and not _same(yaml.load(text, Loader=_LOADER if dumper is _DUMPER else yaml.SafeLoader), data):
            text = yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=False, width=10**9)
        return text.encode("utf-8")
    raise AssertionError("unreachable: the pure-Python dumper escapes every string")


def _tricky(data: Any) -> bool:
    """Any string with a character outside printable ASCII (the only ones the raw form can lose)?"""
    if isinstance(data, dict):
        return any(_tricky(k) or _tricky(v) for k, v in data.items())
    if isinstance(data, list):
        return any(_tricky(v) for v in data)
    return isinstance(data, str) and not (data.isascii() and data.isprintable())


# libyaml when present: the pure-Python emitter makes generating the full set take minutes.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _same(a: Any, b: Any) -> bool:
    """Equality that treats NaN as equal to NaN (for the round-trip check)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def round_trips(case: Case, data: Any) -> bool:
    """The case's YAML loads back to exactly the data it was made from (so it tests what its id says).

    PyYAML's own (pure-Python) loader decides: it is the one obs-codegen uses, and libyaml refuses
    the surrogate escapes some cases hold; libyaml only speeds up the common case.
    """
    text = case.text.decode("utf-8")
    for loader in (_LOADER, yaml.SafeLoader):
        try:
            if _same(yaml.load(text, Loader=loader), data):
                return True
        except yaml.YAMLError:
            pass
    return False


Build = Callable[[], tuple[bytes, Any]]  # -> (file bytes, the data they should load to, or None)
Entry = tuple[str, str, Build]  # (id, note, build)


def _data(edit: Callable[[dict[str, Any]], bool | None]) -> Build:
    def build() -> tuple[bytes, Any]:
        data = base_data()
        if edit(data) is False:
            raise _NotApplicable
        return dump(data), data

    return build


class _NotApplicable(Exception):
    """The mutation does not apply to this slot (a name that would merge two entries)."""


def _inject() -> Iterator[Entry]:
    for variant, payload in P.INJECT.items():
        for slot in one_per_kind(value_slots() + name_slots()):
            yield (f"inject-{variant}@{slot.where}", f"{slot.where} = its text + {payload[:60]!r}",
                   _data(lambda d, s=slot, p=payload: s.apply(d, s.original + p)))

        for where, prom, what in (("all-text", False, "title, description and folder that stays out of the rules"),
                                  ("prom-text", True, "alert and SLO description and summary")):
            def everywhere(data: dict[str, Any], p: str = payload, prom: bool = prom) -> None:
                for s in value_slots():
                    if s.where.rsplit(".", 1)[-1] in FREE_TEXT and (s.kind in PROM_TEXT) == prom:
                        s.apply(data, s.original + p)

            yield f"inject-{variant}@{where}", f"every {what} + {payload[:60]!r}", _data(everywhere)


def _names() -> Iterator[Entry]:
    for slot in one_per_kind([s for s in value_slots() if s.kind in IDENT_VALUES] + name_slots()):
        for variant, template in P.NAMES.items():
            value = P.fill(template, slot.original.rsplit(".", 1)[-1] if slot.dotted_name else slot.original)
            yield (f"name-{variant}@{slot.where}", f"{slot.where} = {value[:80]!r}",
                   _data(lambda d, s=slot, v=value: s.apply(d, v)))


def _types() -> Iterator[Entry]:
    data = base_data()
    seen: set[str] = set()
    for path in node_paths(data):
        kind = kind_of(path)
        if kind in seen:
            continue
        seen.add(kind)
        where = dotted(path)
        original = get(data, path)
        for variant, value in P.TYPES.items():
            if len(path) > 2 and variant not in DEEP_TYPES:
                continue
            if _same(value, original) or (isinstance(original, str) and variant == "string"):
                continue
            yield f"type-{variant}@{where}", f"{where} = {value!r:.40}", _data(lambda d, p=path, v=value: put(d, p, v))


def _edits(table: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]]) -> Iterator[Entry]:
    for cid, (note, edit) in table.items():
        yield cid, note, _data(edit)


def _texts(table: dict[str, tuple[str, Callable[[], bytes]]]) -> Iterator[Entry]:
    for cid, (note, make) in table.items():
        yield cid, note, lambda m=make: (m(), None)


def _selected(cid: str) -> bool:
    """In the default set: the rules of _must, plus a fixed share of each class chosen by a hash of the id."""
    if _must(cid):
        return True
    cls = cid.split("-", 1)[0]
    if cls not in DEFAULT_PER_MILLE:
        return False
    h = int(hashlib.sha256(cid.encode("utf-8", "surrogatepass")).hexdigest()[:8], 16) % 1000
    cheap, prom = DEFAULT_PER_MILLE[cls]
    return h < (prom if _kinds().get(cid.partition("@")[2], "") in PROM_KINDS else cheap)


def _must(cid: str) -> bool:
    """Cases the default run always includes (see the module docstring)."""
    head, _, where = cid.partition("@")
    cls, _, variant = head.partition("-")
    kind = _kinds().get(where, where)
    if cls == "inject":
        return (where == "all-text" or (where == "prom-text" and variant in PROM_PAYLOADS)
                or (variant in P.PRIORITY and kind in CODE_FIELDS))
    if cls == "name":
        return (variant == "trailing-newline" or (variant in (*TRAVERSAL, "long") and kind in FILE_NAMES)
                or variant in RESERVED_FOR.get(kind, ()) or kind == EVERY_NAME)
    if cls == "type":
        return ("." not in where and variant in ("null", "list")) or where == EVERY_TYPE  # whole sections
    return cls in ("yaml", "struct") or cid in DEFAULT_NUM or cid in DEFAULT_SIZE


@functools.lru_cache(maxsize=1)
def _kinds() -> dict[str, str]:
    return {s.where: s.kind for s in value_slots() + name_slots()}


def all_cases(full: bool) -> Iterator[tuple[Case, Any]]:
    """(case, the data it should load to, or None for text-level cases) for the default or full set."""
    seen: set[str] = set()
    entries = (*_inject(), *_names(), *_types(), *_edits(NUM_EDITS), *_edits(STRUCT_EDITS),
               *_texts(YAML_CASES), *_texts(SIZE_CASES))
    for cid, note, build in entries:
        if cid in seen or not (full or _selected(cid)):
            continue
        seen.add(cid)
        try:
            text, data = build()
        except _NotApplicable:
            continue
        yield Case(cid, cid.split("-", 1)[0], text, note), data


def cases(full: bool = False) -> list[Case]:
    return [c for c, _ in all_cases(full)]


def base_case() -> Case:
    return Case("base", "base", BASE_YAML.encode(), "BASE unchanged: the control")


def _diff_snippet(text: bytes, limit: int) -> str:
    import difflib

    new = text.decode("utf-8", "backslashreplace").splitlines()
    old = BASE_YAML.splitlines()
    base_dump = dump(base_data()).decode().splitlines()
    ref = base_dump if len(difflib.SequenceMatcher(None, base_dump, new).get_matching_blocks()) > 2 else old
    lines = [line for line in difflib.unified_diff(ref, new, lineterm="", n=0) if line[:1] in "+-"
             and not line.startswith(("+++", "---"))]
    out = "\n".join(lines) if lines else "\n".join(new[:20])
    return out if len(out) <= limit else out[:limit] + f"... ({len(out) - limit} more characters)"
