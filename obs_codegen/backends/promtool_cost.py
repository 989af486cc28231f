"""How much work a generated `promtool test rules` file is, read off the test document itself.

Three measures, each with the bound the lint holds every generated test to:
  * input samples (`input_samples`): what promtool loads; about a million take a second;
  * evaluations (`evaluations`): rule evaluations of the longest test group;
  * samples one query holds (`query_samples`): promtool's unit-test engine refuses any query
    that would hold more than 10,000 samples ("query processing would load too many samples
    into memory"), and every rule of the test's rule file is evaluated at every step, so an
    SLO's recording rule over `[28d]` reading a threshold alert's input series fails that
    alert's test once one series has over 10,000 samples in the window (a week at one sample
    a minute). `query_samples` estimates, at each test group's last evaluation, what every rule
    expression holds, and returns the largest.

Only the PromQL the rules backend writes is read: selectors `name{label="value", ...}` with an
optional range `[5m]`, inside calls, aggregations (`sum by (env) (...)`), `on (...)` and binary
operators. tests/test_prometheus.py holds `selectors` to promql_parser on every generated rule.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..spec import naming

PROMTOOL_MAX_SAMPLES = 10_000  # promql.LazyLoader's engine limit in `promtool test rules`
LOOKBACK = 300  # seconds an instant selector looks back

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)
  | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<range>\[[^\]]*\])
  | (?P<op>=~|!~|!=|==|>=|<=|[-+*/%^<>={}(),])
""", re.VERBOSE)
_LABEL_LISTS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"', "'": "'", "a": "\a", "b": "\b", "f": "\f",
            "v": "\v"}


@dataclass(frozen=True)
class Selector:
    """`name{label op "value", ...}[window]` (window None for an instant selector)."""

    name: str
    matchers: tuple[tuple[str, str, str], ...]
    window: float | None

    def matches_labels(self, labels: dict[str, str]) -> bool:
        """The label matchers alone, for a series already known to have this selector's name."""
        for label, op, value in self.matchers:
            have = labels.get(label, "")
            if op == "=" and have != value or op == "!=" and have == value:
                return False
            if op in ("=~", "!~") and (_fullmatch(value, have) is None) == (op == "=~"):
                return False
        return True


def _fullmatch(pattern: str, text: str) -> re.Match[str] | None:
    try:
        return re.fullmatch(pattern, text)
    except re.error:  # RE2 syntax Python lacks: count the series as read (an upper bound)
        return re.match("", text)


def unquote(literal: str) -> str:
    """The value of a PromQL double-quoted string literal (Go escapes)."""
    out, i, body = [], 0, literal[1:-1]
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        e = body[i + 1]
        if e in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[e]
            out.append(chr(int(body[i + 2:i + 2 + width], 16)))
            i += 2 + width
        else:
            out.append(_ESCAPES.get(e, e))
            i += 2
    return "".join(out)


_KINDS = [name for name, _ in sorted(_TOKEN.groupindex.items(), key=lambda item: item[1])]


def _tokens(expr: str) -> list[tuple[str, str]]:
    """(kind, text) of each token but spaces; ValueError at the first character no token starts with.

    One `findall` (in C) yields a tuple per token with its text in its kind's group. The tokens cover
    `expr` exactly when their lengths add up to its length: `findall` skips what no token matches."""
    out, length = [], 0
    for groups in _TOKEN.findall(expr):
        for kind, text in zip(_KINDS, groups):
            if text:
                length += len(text)
                if kind != "space":
                    out.append((kind, text))
                break
    if length != len(expr):
        pos = 0
        while (m := _TOKEN.match(expr, pos)) is not None:
            pos = m.end()
        raise ValueError(f"unexpected {expr[pos:pos + 20]!r} in generated PromQL")
    return out


def selectors(expr: str) -> list[Selector]:
    """Every series selector of a generated expression, in order."""
    return list(_selectors(expr))


@functools.lru_cache(maxsize=4096)
def _selectors(expr: str) -> tuple[Selector, ...]:
    return _read_selectors(expr)


def _read_selectors(expr: str) -> tuple[Selector, ...]:
    tokens = _tokens(expr)
    out, i = [], 0
    while i < len(tokens):
        kind, text = tokens[i]
        nxt = tokens[i + 1][1] if i + 1 < len(tokens) else ""
        if kind == "ident" and text == "offset":  # `[1h] offset 3d`: the keyword and its duration (`3`, `d`)
            i += 2
            if i < len(tokens) and tokens[i - 1][0] == "number" and tokens[i][0] == "ident":
                i += 1
            continue
        if kind != "ident" or text in ("and", "or", "unless", "bool") or nxt in ("by", "without"):
            i += 1  # not a selector: an operator, or an aggregation followed by its label list
            continue
        if nxt == "(":  # a function, an aggregation, or a label list after by/on
            i += 2
            if text in _LABEL_LISTS:
                while i < len(tokens) and tokens[i][1] != ")":
                    i += 1
            continue
        matchers: list[tuple[str, str, str]] = []
        i += 1
        if nxt == "{":
            i += 1
            while tokens[i][1] != "}":
                label, op, value = tokens[i][1], tokens[i + 1][1], unquote(tokens[i + 2][1])
                matchers.append((label, op, value))
                i += 4 if tokens[i + 3][1] == "," else 3
            i += 1
        window = None
        if i < len(tokens) and tokens[i][0] == "range":
            window = naming.duration_seconds(tokens[i][1][1:-1])
            i += 1
        out.append(Selector(text, tuple(matchers), window))
    return tuple(out)


def parse_series(text: str) -> tuple[str, dict[str, str]]:
    """`name{a="b"}` of an input series -> (name, labels)."""
    return _series(_selectors(text))


def _series(read: tuple[Selector, ...]) -> tuple[str, dict[str, str]]:
    (sel,) = read
    return sel.name, {label: value for label, _, value in sel.matchers}


def sample_runs(values: str) -> Iterator[tuple[int, int]]:
    """(first index, count) of each run of samples promtool expands `values` into (indices in `interval`s
    from 0): `a+bxn` is n + 1 samples, `_xn` n missing ones, `_` one missing, a number one sample."""
    index = 0
    for part in values.split():
        count = int(part.rsplit("x", 1)[1]) + 1 if "x" in part else 1
        if part.startswith("_"):
            index += count - 1 if "x" in part else 1
            continue
        yield index, count
        index += count


def sample_indices(values: str) -> Iterator[int]:
    """Indices (in `interval`s from 0) of the samples promtool expands `values` into (`sample_runs`, one by one)."""
    for first, count in sample_runs(values):
        yield from range(first, first + count)


def input_samples(doc: dict[str, Any]) -> int:
    """Input samples promtool loads for a generated test file (counted per run, never expanded)."""
    return sum(count for t in doc["tests"] for s in t["input_series"] for _, count in sample_runs(s["values"]))


def _first_at_or_after(since: float, interval: float) -> int:
    """The least index i with i * interval >= since (interval > 0), exactly as the products compare."""
    i = math.ceil(since / interval)
    while (i - 1) * interval >= since:
        i -= 1
    while i * interval < since:
        i += 1
    return i


def _last_at_or_before(end: float, interval: float) -> int:
    """The greatest index i with i * interval <= end (interval > 0), exactly as the products compare."""
    i = math.floor(end / interval)
    while (i + 1) * interval <= end:
        i += 1
    while i * interval > end:
        i -= 1
    return i


def _samples_between(runs: Iterable[tuple[int, int]], interval: float, since: float, end: float) -> int:
    """How many samples of `runs` (at index * interval) lie in [since, end], without listing their times."""
    if interval <= 0:  # promtool refuses such a test; count as bisecting the list of times always did
        times = [i * interval for first, count in runs for i in range(first, first + count)]
        return bisect.bisect_right(times, end) - bisect.bisect_left(times, since)
    return _samples_in(runs, _first_at_or_after(since, interval), _last_at_or_before(end, interval))


def _samples_in(runs: Iterable[tuple[int, int]], lo: int, hi: int) -> int:
    """How many samples of `runs` have an index in [lo, hi]."""
    total = 0
    for first, count in runs:
        n = min(hi, first + count - 1) - max(lo, first) + 1
        if n > 0:
            total += n
    return total


def _eval_times(test: dict[str, Any]) -> list[float]:
    return [naming.duration_seconds(c["eval_time"]) for c in test.get("alert_rule_test", []) + test.get("promql_expr_test", [])]


def evaluations(doc: dict[str, Any]) -> int:
    """Rule evaluations promtool runs for the longest test group of a generated test file."""
    step = naming.duration_seconds(str(doc["evaluation_interval"]))
    return int(max((t for test in doc["tests"] for t in _eval_times(test)), default=0) / step)


def _returned(sel: Selector, matching: list[tuple[dict[str, str], tuple[tuple[int, int], ...]]],
              bounds: dict[float, tuple[int, int]], interval: float, end: float) -> tuple[int, int]:
    """(series `sel` returns from `matching`, the most samples one of them has in `sel`'s window at `end`; 0 when
    it is an instant selector, which holds one sample per series). `bounds` keeps each window's sample indices."""
    window = sel.window
    if window is None:
        return sum(1 for labels, _ in matching if sel.matches_labels(labels)), 0
    lo_hi = bounds.get(window)
    if lo_hi is None and interval > 0:
        lo_hi = bounds[window] = (_first_at_or_after(end - window, interval), _last_at_or_before(end, interval))
    count = largest = 0
    for labels, runs in matching:
        if sel.matches_labels(labels):
            count += 1
            inside = _samples_in(runs, *lo_hi) if lo_hi is not None else _samples_between(runs, interval, end - window, end)
            if inside > largest:
                largest = inside
    return count, largest


def query_samples(doc: dict[str, Any], exprs: Iterable[str], environments: int,
                  parsed: dict[Any, Any] | None = None) -> tuple[int, int]:
    """The most samples one of `exprs` (the rule file's expressions) holds at once in a test group of
    `doc`, and the index of that expression. `parsed` keeps the selectors of every expression and
    input series read, for a caller that asks about many test files (the lint: each rule file's
    expressions are read once per test file of its service; at 10,000 metrics they are 6,500
    texts, more than any fixed-size cache holds, and one that thrashes reads them all again).

    Prometheus evaluates a range function (`rate(x[28d])`) one series at a time and counts the
    points of that series while it does, on top of the vectors the query holds: so a query holds the
    points of its largest series window plus one sample per series each selector returns. A
    recording rule's output has one sample per evaluation and one series per environment. What
    a rule's recording-rule selectors hold depends on a test only through its end (worked out once
    per set of windows and end); a series window's samples are counted per run of the `values`
    text (parsed once); tests/test_prometheus_bounds.py holds this to the plain definition.
    """
    memo: dict[Any, Any] = {} if parsed is None else parsed

    def read(text: str) -> tuple[Selector, ...]:
        got = memo.get(text)
        if got is None:
            got = memo[text] = _read_selectors(text)
        return got

    def runs_of(values: str) -> tuple[tuple[int, int], ...]:
        key = ("runs", values)
        got = memo.get(key)
        if got is None:
            got = memo[key] = tuple(sample_runs(values))
        return got

    step = naming.duration_seconds(str(doc["evaluation_interval"]))
    # Per rule: the windows of its recording-rule selectors (their load depends on the test only through
    # its end, so it is worked out once per distinct set and end) and its other selectors; once per rule file.
    texts = tuple(exprs)
    rules = memo.get(("rules", texts))
    if rules is None:
        rules = memo[("rules", texts)] = [
            (tuple(s.window for s in sels if ":" in s.name), tuple(s for s in sels if ":" not in s.name))
            for sels in map(read, texts)]
    worst = (0, 0)
    for test in doc["tests"]:
        end = max(_eval_times(test), default=0)
        interval = naming.duration_seconds(test["interval"])
        inputs: dict[str, list[tuple[dict[str, str], tuple[tuple[int, int], ...]]]] = {}  # by metric name
        for series in test["input_series"]:
            name, labels = _series(read(series["series"]))
            inputs.setdefault(name, []).append((labels, runs_of(series["values"])))
        recorded: dict[tuple[float | None, ...], int] = {}  # recording-rule windows -> the most points one holds
        bounds: dict[float, tuple[int, int]] = {}  # window -> the sample indices it holds at `end`
        # selector -> (series it returns, the most points of one series window): a test's input series are
        # fixed, and a rule file repeats its selectors (every rule of a metric reads it the same way)
        returned: dict[Selector, tuple[int, int]] = {}
        for index, (windows, raw) in enumerate(rules):
            largest = vectors = 0
            if windows:
                largest = recorded.get(windows, -1)
                if largest < 0:
                    largest = recorded[windows] = max(int((min(w, end) if w is not None else 0) // step) + 1
                                                      for w in windows)
                vectors = environments * len(windows)
            for sel in raw:
                matching = inputs.get(sel.name)  # a selector matches its own name only
                if not matching:
                    continue
                got = returned.get(sel)
                if got is None:
                    got = returned[sel] = _returned(sel, matching, bounds, interval, end)
                vectors += got[0]
                if got[1] > largest:
                    largest = got[1]
            if (largest + vectors, index) > worst:
                worst = (largest + vectors, index)
    return worst
