"""validate-logs' fast JSON reading (`logs/decode.fast_object`) is the strict decoder's, on every line it accepts.

Thousands of lines (the fixtures in several serialisations, hand-picked hard cases and seeded random
byte mutations): whenever `fast_object` returns an object, the strict decoder reads the same line
without error and returns an identical object (same keys in the same order, same types, same
floats), and the validator's verdict and messages are those of the strict path alone.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from conftest import ROOT

from obs_codegen.logs.decode import STRICT, fast_object
from obs_codegen.logs.validate import LogValidator

LOGS = ROOT / "tests" / "fixtures" / "logs"


def _seeds() -> list[Any]:
    """Every object line of the fixtures, good and bad, that the strict decoder reads (others are left to the mutants)."""
    out = []
    for name in ("good.jsonl", "bad.jsonl", "mixed.jsonl"):
        for line in (LOGS / name).read_text(encoding="utf-8").splitlines():
            try:
                out.append(STRICT.decode(line))
            except ValueError:
                continue
    return [obj for obj in out if isinstance(obj, dict)]


SEEDS = _seeds()


def _styles(obj: Any) -> list[bytes]:
    """One object written the ways loggers write it."""
    compact = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return [s.encode("utf-8") + end for s in (
        compact, json.dumps(obj), json.dumps(obj, ensure_ascii=False), json.dumps(obj, separators=(",", ":")),
        json.dumps(obj, indent=None, separators=(", ", " : ")), " " + compact, compact + " ",
    ) for end in (b"\n", b"\r\n", b"")]


HARD = [
    b'{"a":1,"a":2}\n', b'{"a":1,"b":{"c":1,"c":1}}\n', b'{"a":[{"x":1},{"x":1,"x":2}]}\n',
    b'{"a" :1,"a":2}\n', b'{"a"\t:1,"m":"\\":","a":2}\n', b'{"a":1,"m":":x","a":2}\n',
    b'{"a\\u0022":1,"a\\"":2}\n', b'{"k\\\\":1,"k\\\\":2}\n', b'{"":1,"":2}\n',
    b'{"a":10000000000000000000}\n', b'{"a":-9223372036854775809}\n', b'{"a":18446744073709551616}\n',
    b'{"a":123456789012345678901234567890}\n', b'{"a":9223372036854775807}\n', b'{"a":-9223372036854775808}\n',
    b'{"a":1e400}\n', b'{"a":-1e400}\n', b'{"a":1e-400}\n', b'{"a":5e-324}\n', b'{"a":2.2250738585072011e-308}\n',
    b'{"a":1E2}\n', b'{"a":1e16}\n', b'{"a":1e+16}\n', b'{"a":0.1e1}\n', b'{"a":-0}\n', b'{"a":-0.0}\n',
    b'{"a":1.7976931348623157e308}\n', b'{"a":0.30000000000000004}\n', b'{"a":9007199254740993}\n',
    b'{"a":1.7976931348623158e308}\n', b'{"a":1.7976931348623158079e308}\n', b'{"a":1.7976931348623159e308}\n',
    b'{"a":2.4703282292062327e-324}\n', b'{"a":2.4703282292062328e-324}\n', b'{"a":4.9406564584124654e-324}\n',
    b'{"a":NaN}\n', b'{"a":Infinity}\n', b'{"a":"\\ud800"}\n', b'{"a":"\xed\xa0\x80"}\n', b'\xef\xbb\xbf{"a":1}\n',
    b'{"a":"\t"}\n', b'{"a":"\\u0000"}\n', b'{"a":1}\x00\n', b'{"a":1}\x0c\n', b'{"a":01}\n', b'[1]\n', b'"s"\n',
    b'\n', b'\r\n', b'   \n', b'{}\n', b'{"a":{}}\n',
]
for depth in (60, 63, 64, 65, 66, 253, 254, 255, 256, 900, 1100):
    HARD.append(b'{"a":' + b"[" * depth + b"]" * depth + b"}\n")
    HARD.append(b'{"a":' + b'{"b":' * depth + b"1" + b"}" * depth + b"}\n")

_NOISE = b'":,{}[]\\ 019e-.+tuE\t\x00\xff\xc3'


def _mutants(rng: random.Random, line: bytes, count: int) -> list[bytes]:
    out = []
    for _ in range(count):
        data = bytearray(line)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(data) + 1)
            op = rng.randrange(4)
            if op == 0:
                data[at:at] = bytes([rng.choice(_NOISE)])
            elif op == 1 and at < len(data):
                del data[at]
            elif op == 2 and at < len(data):
                data[at] = rng.choice(_NOISE)
            else:  # repeat a key: copy a `"name":value,` slice
                start = data.find(b'"', at)
                comma = data.find(b",", start)
                if start > 0 and comma > start:
                    data[at:at] = data[start:comma + 1]
        out.append(bytes(data))
    return out


def _corpus() -> list[bytes]:
    rng = random.Random(17)
    lines = list(HARD)
    for seed in SEEDS:
        styled = _styles(seed)
        lines += styled
        for line in styled[::3]:
            lines += _mutants(rng, line, 25)
    for _ in range(300):
        value = rng.choice([rng.uniform(-1e6, 1e6), rng.random() * 10 ** rng.randint(-320, 308),
                            float(rng.getrandbits(53)), rng.getrandbits(70) - 2 ** 69])
        lines.append(json.dumps({"v": value, "s": "x"}, separators=(",", ":")).encode() + b"\n")
        lines.append(("{" + f'"v":{value!r}'.replace("e+", "e") + "}\n").encode())
    return lines


CORPUS = _corpus()


def _strict(line: bytes) -> Any:
    return STRICT.decode(line.decode("utf-8").rstrip("\r\n"))


def test_fast_object_reads_exactly_what_the_strict_decoder_reads() -> None:
    accepted = 0
    for line in CORPUS:
        obj = fast_object(line)
        if obj is None:
            continue
        accepted += 1
        strict = _strict(line)  # raises if the strict decoder refuses what orjson accepted
        assert repr(obj) == repr(strict), line
    assert accepted > len(CORPUS) // 4  # the fast path is taken, not avoided


def test_fast_object_takes_the_lines_loggers_write() -> None:
    for seed in SEEDS:
        styled = _styles(seed)
        for line in styled[:4 * 3:3]:  # compact, default, no ASCII escapes, compact ASCII (newline ends)
            assert fast_object(line) is not None, line
        assert fast_object(styled[4 * 3]) is None  # `"key" : value`: left to the strict decoder
    for line in HARD[:9]:  # repeated keys
        assert fast_object(line) is None, line


@pytest.fixture(scope="module")
def validator(model) -> LogValidator:  # type: ignore[no-untyped-def]
    return LogValidator.from_model(model)


@pytest.mark.parametrize("pii", [False, True])
def test_verdicts_and_messages_are_the_strict_paths(validator: LogValidator, pii: bool) -> None:
    """Every line of the corpus: `check_line` and `verdict` say exactly what the strict path alone says."""
    validator.pii = pii
    try:
        for line in CORPUS:
            expected = validator._check(line, None)
            assert validator.check_line(line) == expected, line
            assert validator.verdict(line) == (expected.service, expected.kind, expected.errors), line
    finally:
        validator.pii = False
