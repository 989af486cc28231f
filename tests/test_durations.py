"""Spec durations: promql-parser computes the value; the schema's PATTERN (for editors) agrees with it.

Property test over a seeded corpus of compound and malformed durations: PATTERN accepts exactly what
promql-parser parses, apart from the three cases `durations.seconds` decides itself (a bare number,
which promql-parser reads as seconds but a Prometheus rule file refuses; zero; values past 100
years), and the seconds are the sum of the parts.
"""

from __future__ import annotations

import random
import re

import promql_parser

from obs_codegen.spec import durations

UNITS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}


def corpus() -> list[str]:
    rng = random.Random(1201)
    out = ["28d", "1h30m", "90", "0s", "1.5h", "30m1h", "1h1h", "5m ", " 5m", "5M", "", "ms", "1y2w3d4h5m6s7ms"]
    order = list(UNITS)
    for _ in range(3000):
        parts = rng.sample(order, rng.randint(1, 4))
        if rng.random() < 0.7:
            parts.sort(key=order.index)  # the valid order, mostly
        text = "".join(f"{rng.randint(0, 999)}{u}" for u in parts)
        if rng.random() < 0.1:
            text = text.replace(rng.choice(text), rng.choice("x .-"), 1)
        out.append(text)
    return out


def test_pattern_agrees_with_promql_parser() -> None:
    shape = re.compile(durations.PATTERN)
    checked = 0
    for text in corpus():
        try:
            parsed = promql_parser.parse_duration(text).total_seconds()
        except ValueError:
            parsed = None
        ours = durations.seconds(text)
        if re.fullmatch(r"[0-9.]+", text):  # a bare number: promql-parser takes seconds, a rule file does not
            assert ours is None, text
            continue
        if re.fullmatch(r"(?:0+(?:ms|[ywdhms]))+", text):
            assert ours == 0.0, text
            continue
        assert (shape.fullmatch(text) is not None) == (parsed is not None), text
        if parsed is not None and parsed > durations.MAX_SECONDS:
            assert ours is None, text
            continue
        assert ours == parsed, text
        if ours is not None:
            checked += 1
            total = sum(int(n) * UNITS[u] for n, u in re.findall(r"([0-9]+)(ms|[ywdhs]|m)", text))
            assert abs(ours - total) < 1e-6, text
    assert checked > 1000


def test_compound_durations_and_refusals() -> None:
    assert durations.seconds("1h30m") == 5400 and durations.seconds("28d") == 28 * 86400
    for bad in ("90", "30m1h", "1.5h", "28d\n", "99999999999d", "101y", None, 5):
        assert durations.seconds(bad) is None, bad


# Seconds computed by hand from Prometheus's unit table (y = 365d, w = 7d), independent of promql-parser.
TABLE = {"1h30m": 5400, "28d": 2419200, "1w2d": 777600, "1y": 31536000, "90s": 90, "1m30s500ms": 90.5,
         "2h0m": 7200, "100y": 3153600000, "0s": 0, "0h0m": 0}


def test_seconds_match_a_hand_computed_table() -> None:
    assert {text: durations.seconds(text) for text in TABLE} == TABLE
