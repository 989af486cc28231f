"""fast_json.encode gives json.dumps(ensure_ascii=False, sort_keys=True, indent=2)'s exact text, or None.

The proof that orjson may write the indented JSON outputs: on every JSON file under out/, on
random doubles of every magnitude (bit patterns, powers of ten, rounded decimals), on strings of
every control character and on nested random values, the fast text equals the standard library's;
where orjson would differ in meaning (NaN, infinities, tuples, big integers, non-string keys, lone
surrogates) it declines and the standard library decides.
"""

from __future__ import annotations

import json
import math
import random
import struct
from pathlib import Path
from typing import Any

import pytest

from obs_codegen.backends import fast_json

pytest.importorskip("orjson")
ROOT = Path(__file__).resolve().parent.parent


def reference(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2, allow_nan=False)


def doubles(rnd: random.Random, count: int) -> list[float]:
    out: list[float] = []
    while len(out) < count:
        kind = len(out) % 3
        if kind == 0:
            value = struct.unpack("d", struct.pack("Q", rnd.getrandbits(64)))[0]
        elif kind == 1:
            value = rnd.uniform(-1, 1) * 10.0 ** rnd.randint(-30, 30)
        else:
            value = round(rnd.uniform(-1000, 1000), rnd.randint(0, 8))
        if math.isfinite(value):
            out.append(value)
    return out


def test_every_json_output_under_out() -> None:
    files = sorted((ROOT / "out").rglob("*.json"))
    assert files
    for path in files:
        value = json.loads(path.read_text(encoding="utf-8"))
        assert fast_json.encode(value) == reference(value), path
        assert fast_json.encode(value, finite=True) == reference(value), path  # what the dashboards backend calls


def test_doubles_of_every_magnitude() -> None:
    rnd = random.Random(17)
    values = doubles(rnd, 60_000)
    edge = [0.0, -0.0, 1.0, 1e-4, 9.99e-5, 1e-5, 1e-9, 1e15, 1e16, 1e17, 1e22, 1e308, 5e-324, 2.0 ** 53, 0.1, 1 / 3]
    for chunk in range(0, len(values), 1000):
        batch = values[chunk:chunk + 1000] + edge
        doc = {"list": batch, "keyed": {f"k{i}": v for i, v in enumerate(batch)}, "nested": [[v] for v in batch]}
        assert fast_json.encode(doc) == reference(doc)
    for value in edge + values[:2000]:
        assert fast_json.encode(value) == reference(value)


def test_strings_and_keys() -> None:
    text = "".join(chr(i) for i in range(0x80)) + "\u2028\u2029\x7f\x80\x9f\ufeff é 😀 \"\\/ 1e-9\": 0.00001,"
    doc = {text: [text, {"": text, "b": [], "a": {}, "é": None, "E": True, "e": False}], "1e-9": "0.00001", "z": -7}
    assert fast_json.encode(doc) == reference(doc)
    assert fast_json.encode({"x": 1e-9, "y": "x 1e-9", "1e-9": [1e-9, "1e-9"]}) == reference(
        {"x": 1e-9, "y": "x 1e-9", "1e-9": [1e-9, "1e-9"]})


def test_random_nested_values() -> None:
    rnd = random.Random(4)
    floats = doubles(rnd, 500)

    def value(depth: int) -> Any:
        pick = rnd.randrange(8 if depth < 4 else 5)
        if pick == 0:
            return rnd.choice(floats)
        if pick == 1:
            return rnd.randint(-2 ** 63, 2 ** 63 - 1)
        if pick == 2:
            return "".join(rnd.choice("ab\n\t\"\\é 1e-0.") for _ in range(rnd.randrange(6)))
        if pick == 3:
            return rnd.choice([None, True, False])
        if pick == 4:
            return rnd.choice(floats) * 1e-6
        if pick == 5:
            return [value(depth + 1) for _ in range(rnd.randrange(4))]
        return {str(rnd.randrange(50)): value(depth + 1) for _ in range(rnd.randrange(4))}

    for _ in range(2000):
        doc = value(0)
        assert fast_json.encode(doc) == reference(doc)
        assert fast_json.encode(doc, finite=True) == reference(doc)  # no NaN or infinity here


@pytest.mark.parametrize("value", [math.nan, [math.inf], {"a": -math.inf}, (1, 2), {"a": (1,)}, 2 ** 64, -2 ** 64,
                                   {1: 2}, {"a": "\ud800"}, {"a": object()}])
def test_declines_what_only_the_standard_library_decides(value: Any) -> None:
    assert fast_json.encode(value) is None
