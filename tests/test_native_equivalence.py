"""The native fast paths give today's bytes and positions on every spec we have (issue 17).

Corpus: the Coach Up spec, every tests/cases/*/spec.yaml, every lint fixture (tests/rules/*.yaml)
and every spec of the default adversarial set (tests/adversarial/). For each:
  * loading (libyaml's scanner and parser, spec/loader.py) gives exactly the diagnostics (file,
    line, column, rule, severity, message) and data the pure-Python loader gives;
  * every YAML document the backends emit with libyaml's emitter (yaml_doc.yaml_document's native
    path: its own node tree, libyaml's serializer) is re-emitted through PyYAML's own representer and
    pure-Python emitter and must be byte-identical;
  * (Coach Up and the cases) rendering everything with the native paths switched off
    (yaml_doc.NATIVE = False) gives the same files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from adversarial import generate
from conftest import CASES, ROOT, SPEC

from obs_codegen.backends import render_all, yaml_doc
from obs_codegen.backends.templating import Templates
from obs_codegen.pipeline import compile_bytes
from obs_codegen.spec.loader import Source, parse_text

CORPUS: list[tuple[str, bytes]] = (
    [("spec/observability.yaml", SPEC.read_bytes())]
    + [(f"tests/cases/{p.parent.name}/spec.yaml", p.read_bytes()) for p in sorted(CASES.glob("*/spec.yaml"))]
    + [(f"tests/rules/{p.name}", p.read_bytes()) for p in sorted((ROOT / "tests" / "rules").glob("*.yaml"))]
    + [(f"adversarial:{c.id}", c.text) for c in generate.cases()]
)
CHUNKS = 8


def _writers() -> list[Any]:
    """Every backend module that writes YAML documents (each imports yaml_document by name)."""
    import importlib
    import sys

    from obs_codegen.backends import BACKENDS

    for module in BACKENDS.values():
        importlib.import_module(module)
    return [m for name, m in sorted(sys.modules.items())
            if name.startswith("obs_codegen.backends") and getattr(m, "yaml_document", None) is yaml_doc.yaml_document
            and name != "obs_codegen.backends.yaml_doc"]


_YAML_WRITERS = _writers()


def _load(raw: bytes, name: str, fast: bool) -> tuple[Any, list[Any]]:
    src = Source(name, raw)
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return None, ["not utf-8"]
    diags = parse_text(src, text, fast=fast)
    return src.data, [(d.file, d.line, d.column, d.rule, d.severity, d.message) for d in diags]


class _CheckedDump:
    """yaml_doc.yaml_document that re-emits every natively emitted document the pure-Python way and compares."""

    def __init__(self) -> None:
        self.real = yaml_doc.yaml_document
        self.native = 0
        self.mismatches: list[str] = []

    def __call__(self, doc: Any, sort_keys: bool = False) -> str:
        out = self.real(doc, sort_keys)
        if yaml_doc._nodes(doc, sort_keys) is not None:
            self.native += 1
            pure = yaml_doc._pure(doc, sort_keys)
            if pure != out:
                self.mismatches.append(f"libyaml {out!r}\nPyYAML  {pure!r}")
        return out


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_libyaml_loads_and_emits_like_pure_python(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    checked = _CheckedDump()
    for module in _YAML_WRITERS:
        monkeypatch.setattr(module, "yaml_document", checked)
    rendered = 0
    for name, raw in CORPUS[chunk::CHUNKS]:
        fast, pure = _load(raw, name, True), _load(raw, name, False)
        assert fast == pure, name
        compiled = compile_bytes(raw, name, lint=False)
        if not compiled.ok:
            continue
        try:
            render_all(compiled.model, Templates(), only=["dashboards", "prometheus", "alertmanager", "rulers",
                                                          "prometheus_operator", "grafana_operator"])
        except Exception:  # noqa: S112 - a spec the backends refuse: refused the same way on either path
            continue
        rendered += 1
        assert not checked.mismatches, f"{name}:\n" + "\n".join(checked.mismatches[:3])
    assert rendered and checked.native, "the native emitter was never used: the comparison proved nothing"


@pytest.mark.parametrize("spec", [SPEC, *sorted(CASES.glob("*/spec.yaml"))], ids=lambda p: Path(p).parent.name)
def test_native_paths_off_give_the_same_files(spec: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compiled = compile_bytes(spec.read_bytes(), spec.relative_to(ROOT).as_posix())
    assert compiled.ok
    native = render_all(compiled.model, Templates())
    monkeypatch.setattr(yaml_doc, "NATIVE", False)
    assert render_all(compiled.model, Templates()) == native


def test_plain_ascii_guard() -> None:
    """Documents libyaml might style differently (or the representer would alias) stay on PyYAML's emitter."""
    assert yaml_doc._nodes({"a": [1, 2.5, True, None, "x y\nz"]}, False) is not None
    shared: list[int] = [1]
    for doc in ({"a": "café"}, {"a": "\x85"}, {"a": "tab\there"}, {"k\u2028": 1}, {"a": b"bytes"}, {"a": (1,)},
                {"a": shared, "b": shared}, {"a": type("D", (dict,), {})()}, {"a": _Int(3)}, {"": 1}, {"k" * 125: 1}):
        assert yaml_doc._nodes(doc, False) is None, doc


class _Int(int):
    pass


@pytest.mark.parametrize("seed", range(4))
def test_native_nodes_emit_what_the_representer_emits(seed: int) -> None:
    """Random plain documents (nested maps and lists of text, numbers, booleans, None; keys of mixed types,
    sorted or not) come out of the native path byte for byte as PyYAML's representer and emitter write them."""
    import random

    rnd = random.Random(seed)
    words = ["a", "yes", "No", "null", "~", "1", "0x1F", "1e3", ".inf", "-.5", "2001-12-14", "<<", "=", "x: y", "- z",
             "#c", "'q'", '"d"', "a\nb", "a \nb", "trailing ", " lead", "", "*x", "&y", "!t", "%p", "@", "`", "|", ">",
             "a" * 130, "long " * 40, "line\n" * 3,
             "k" * 99, "k" * 100, "k" * 101, "k" * 123, "k" * 128, "{}", "[]", "?", "k", "on", "OFF", "0o17", "0b1", "+1", "1_000"]
    short = [w for w in words if 0 < len(w) <= 100]
    numbers = [0, -1, 7, 1 << 40, 0.0, -0.0, 0.5, 1e17, 1e-7, 3.14159, float("inf"), float("-inf"), float("nan")]

    def value(depth: int) -> Any:
        pick = rnd.random()
        if depth < 4 and pick < 0.25:
            return {key(): value(depth + 1) for _ in range(rnd.randint(0, 4))}
        if depth < 4 and pick < 0.4:
            return [value(depth + 1) for _ in range(rnd.randint(0, 4))]
        return rnd.choice([*words, *numbers, True, False, None])

    def key() -> Any:  # keys the native path takes, mostly; some it leaves to PyYAML (empty, 101+ characters)
        pick = rnd.random()
        return rnd.choice(short) if pick < 0.9 else rnd.choice(words) if pick < 0.95 else rnd.choice([1, 2.5, True, None])

    compared = 0
    for _ in range(150):
        doc = {key(): value(0) for _ in range(rnd.randint(1, 6))}
        for sort_keys in (False, True):
            node = yaml_doc._nodes(doc, sort_keys)
            if node is None:
                continue
            compared += 1
            assert yaml_doc._native(node) == yaml_doc._pure(doc, sort_keys), doc
    assert compared > 200
