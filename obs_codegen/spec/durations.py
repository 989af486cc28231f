"""Prometheus durations (`28d`, `1h30m`, `500ms`) as the spec language writes them.

The value is computed by promql-parser (the Rust PromQL parser's port of Prometheus's own
`model.ParseDuration`), not by a regex of ours, so `for: 1h30m` means exactly what Prometheus
will make of it. PATTERN is the same grammar for editors (the JSON Schema) and is checked
against the parser by a property test; on top of the parser this module refuses what a rule
file's YAML would refuse or what promql-parser gets wrong:

* a bare number (`90`): Prometheus's YAML reads durations with a unit only;
* zero (`0s`), which promql-parser rejects but `for: 0s` means "at once": it is 0.0 here;
* values beyond 100 years, where promql-parser's arithmetic wraps around (`99999999999d`).
"""

from __future__ import annotations

import functools
import re

import promql_parser

# Prometheus's ParseDuration grammar: units in decreasing order, each at most once.
PATTERN = r"^(?=[0-9])(?:[0-9]+y)?(?:[0-9]+w)?(?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?(?:[0-9]+ms)?$"
_SHAPE = re.compile(PATTERN.removeprefix("^").removesuffix("$"))
_ZERO = re.compile(r"(?:0+(?:y|w|d|h|m|s|ms))+")
_PART = re.compile(r"([0-9]+)(ms|y|w|d|h|m|s)")
_UNIT = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}
MAX_SECONDS = 100 * 365 * 86400


def seconds(text: object) -> float | None:
    """Seconds of a spec duration, or None when `text` is not one (`28d\\n`, `30m1h`, `90`, `1.5h`)."""
    return _seconds(text) if isinstance(text, str) else None


@functools.lru_cache(maxsize=4096)  # a spec has few distinct durations, each read by many rules
def _seconds(text: str) -> float | None:
    if len(text) > 40 or not _SHAPE.fullmatch(text) or text.isdigit():
        return None
    if _ZERO.fullmatch(text):
        return 0.0
    if sum(int(n) * _UNIT[u] for n, u in _PART.findall(text)) > MAX_SECONDS:
        return None  # a bound, checked before promql-parser's millisecond arithmetic can overflow
    try:
        value = promql_parser.parse_duration(text).total_seconds()
    except ValueError:
        return None
    return value if 0 < value <= MAX_SECONDS else None


def seconds_or_fail(text: str) -> float:
    """Seconds of a duration the lint has already accepted (backends): ValueError otherwise."""
    value = seconds(text)
    if value is None:
        raise ValueError(f"not a duration: {text!r}")
    return value
