"""Spec validation: jsonschema-rs's verdict is Python `jsonschema`'s, so the fast path changes no diagnostic (issue 17).

`spec/shape.py` lets jsonschema-rs prove a spec valid and asks `jsonschema` otherwise. Here, on the
Coach Up spec, every tests/cases/*/spec.yaml, every lint fixture, every adversarial spec and
thousands of seeded mutations of the Coach Up and adversarial base specs:
  * whenever the data is plain JSON (`native_data.is_plain_json`), jsonschema-rs says valid exactly
    when `jsonschema` finds no error; when it is not, jsonschema-rs never decides;
  * loading gives the same diagnostics (file, line, column, rule, severity, message) with the
    jsonschema-rs path switched off.
"""

from __future__ import annotations

import copy
import random
import subprocess
import sys
from typing import Any

import pytest
import yaml
from conftest import ROOT, SPEC
from test_adversarial import BASE
from test_native_equivalence import CORPUS

from obs_codegen.native_data import is_plain_json
from obs_codegen.spec import loader, shape

CHUNKS = 4  # CORPUS: the Coach Up spec, tests/cases, tests/rules and the adversarial set, as the libyaml proof reads them


def _agree(data: Any, where: str) -> bool:
    """Assert the two engines agree on `data`; True when it is valid."""
    python_valid = not shape.python_errors(data)
    if is_plain_json(data):
        assert shape.native_valid(data) == python_valid, where
    else:
        assert not shape.native_valid(data), where
    return python_valid


def _diags(raw: bytes, name: str) -> list[tuple[Any, ...]]:
    _, diags = loader.load_bytes(raw, name)
    return [(d.file, d.line, d.column, d.rule, d.severity, d.message) for d in diags]


def test_the_native_path_is_taken_and_jsonschema_is_not_imported() -> None:
    assert shape.native_valid(yaml.safe_load(SPEC.read_text(encoding="utf-8")))
    code = ("import sys; from obs_codegen.spec.loader import load; _, d = load('spec/observability.yaml'); "
            "assert not d, d; assert 'jsonschema' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_every_spec_gets_the_same_verdict_and_diagnostics(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = CORPUS[chunk::CHUNKS]
    seen: list[tuple[str, Any]] = []
    real = shape.validate_shape

    def recording(src: Any) -> Any:
        seen.append((src.path, copy.deepcopy(src.data)))
        return real(src)

    monkeypatch.setattr(loader, "validate_shape", recording)
    fast = {name: _diags(raw, name) for name, raw in corpus}
    monkeypatch.setattr(shape, "native_valid", lambda data: False)
    slow = {name: _diags(raw, name) for name, raw in corpus}
    assert fast == slow
    monkeypatch.undo()
    valid = sum(_agree(data, name) for name, data in seen)
    assert len(seen) > len(corpus) // 2 and 0 < valid < len(seen)


MUTANTS: list[Any] = [None, True, False, 0, -1, 1, 1.5, 0.0, -0.0, 2 ** 53, 2 ** 53 + 1, 10 ** 30, float("nan"),
                      float("inf"), "", "x", "x\n", "\nx", "A", "a" * 300, "28d", "28d\n", "5m", "١٢٣", "é", "a b",
                      "a.b", "a-b", "a_b", "@a/b", "1.2.3", "2026-01-01", "ms", "seconds", "counter", "gauge",
                      "histogram", [], [1], ["x"], ["x", "x"], [1, 1.0], [True, 1], {}, {"x": 1}, ("x",), b"x", {1, 2}]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, path + (i,))
    return out


def _mutate(data: Any, rng: random.Random) -> Any:
    data = copy.deepcopy(data)
    path = rng.choice(_paths(data)[1:])
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    op = rng.randrange(6)
    if op == 0 and isinstance(parent, dict):
        del parent[path[-1]]
    elif op == 1 and isinstance(parent, dict):
        parent[rng.choice(["extra", "Name", "a b", "x\n", str(path[-1]) + "_"])] = copy.deepcopy(parent[path[-1]])
    elif op == 2:  # a value from elsewhere in the spec, often of the right type
        source = data
        for part in rng.choice(_paths(data)):
            source = source[part]
        parent[path[-1]] = copy.deepcopy(source)
    else:
        parent[path[-1]] = copy.deepcopy(rng.choice(MUTANTS))
    return data


@pytest.mark.parametrize("base,count", [("adversarial", 3000), ("coachup", 200)])
def test_mutated_specs_get_the_same_verdict(base: str, count: int) -> None:
    src, diags = loader.load_bytes(BASE.encode() if base == "adversarial" else SPEC.read_bytes(), base)
    assert not diags
    data = src.data
    rng = random.Random(17)
    valid = sum(_agree(_mutate(data, rng), f"{base} mutant {n}") for n in range(count))
    assert 0 < valid < count  # both verdicts are exercised
