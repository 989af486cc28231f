"""`ts_values.js_and_dts` (one walk, both renderings) gives exactly `js` and `dts`, each walked on its own.

The TypeScript backend renders every spec-filled constant with `js_and_dts`; `js` and `dts` stay the
reference (and render the few constants built elsewhere). Random value trees mix every kind the
description allows: strings that need escaping, property names that are not identifiers (and
`__proto__`), numbers, booleans, None, `Ref`s, `Typed` leaves, tuples and other sequences and
mappings, empty and nested containers.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pytest

from obs_codegen.backends import ts_values
from obs_codegen.backends.escaped import UnescapedOutput, code, escaped
from obs_codegen.backends.ts_values import Ref, Typed, dts, js, js_and_dts

TEXTS = ["", "plain", 'a "quote"', "back\\slash", "*/ closes", "</script>", "${x}", "`tick`", "line\nbreak",
         "\u2028", "caf\u00e9", "\ud800", "x" * 40]
KEYS = ["key", "promName", "$dollar", "_under", "with space", "dash-ed", "1digit", "__proto__", "", "caf\u00e9"]


def _leaf(rng: random.Random) -> Any:
    pick = rng.randrange(8)
    if pick == 0:
        return rng.choice([0, 1, -3, 2.5, 1e-12, 1e21, 25.0])
    if pick == 1:
        return rng.choice([True, False, None])
    if pick == 2:
        return Ref(rng.choice(["NEXT_REQUEST_COUNT", "HEADERS", "$x"]))
    if pick == 3:
        return Typed(code("typescript", "new RegExp(", escaped("ts_str", rng.choice(TEXTS)), ")"),
                     code("typescript", "RegExp"))
    return rng.choice(TEXTS)


def _tree(rng: random.Random, depth: int) -> Any:
    if depth == 0 or rng.random() < 0.3:
        return _leaf(rng)
    size = rng.randrange(4)
    pick = rng.randrange(4)
    if pick == 0:
        return [_tree(rng, depth - 1) for _ in range(size)]
    if pick == 1:
        return tuple(_tree(rng, depth - 1) for _ in range(size))
    mapping = {rng.choice(KEYS) + str(i % 2 or ""): _tree(rng, depth - 1) for i in range(size)}
    return MappingProxyType(mapping) if pick == 2 and rng.random() < 0.3 else mapping


@pytest.mark.parametrize("seed", range(40))
def test_one_walk_renders_what_each_walk_renders(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(50):
        value = _tree(rng, 4)
        depth = rng.randrange(3)
        both = js_and_dts(value, depth)
        assert both == (js(value, depth), dts(value, depth))
        assert all(type(x) is type(js(value, depth)) for x in both)  # the same Escaped kind
    ts_values.forget()


def test_a_constant_of_every_kind_renders_as_before() -> None:
    value: Mapping[str, Any] = {"name": Ref("A"), "list": ["x", 1, None, True], "nested": {"__proto__": "p"},
                                "with space": (), "empty": {}}
    js_text, dts_text = js_and_dts(value, 1)
    assert js_text == ('{\n    name: A,\n    list: ["x", 1, null, true],\n    nested: {\n      ["__proto__"]: "p",\n'
                       '    },\n    "with space": [],\n    empty: {},\n  }')
    assert dts_text == ('{\n    readonly name: typeof A;\n    readonly list: readonly ["x", 1, null, true];\n'
                        '    readonly nested: {\n      readonly __proto__: "p";\n    };\n'
                        '    readonly "with space": readonly [];\n    readonly empty: {};\n  }')


def test_a_value_no_escaper_takes_is_refused_by_both() -> None:
    for bad in ({"n": float("nan")}, [float("inf")]):
        with pytest.raises(UnescapedOutput):
            js(bad)  # type: ignore[arg-type]
        with pytest.raises(UnescapedOutput):
            js_and_dts(bad)  # type: ignore[arg-type]
