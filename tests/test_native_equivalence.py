"""The native fast paths give today's bytes and positions on every spec we have (issue 17).

Corpus: the Coach Up spec, every tests/cases/*/spec.yaml, every lint fixture (tests/rules/*.yaml)
and every spec of the default adversarial set (tests/adversarial/). For each:
  * loading (libyaml's scanner and parser, spec/loader.py) gives exactly the diagnostics (file,
    line, column, rule, severity, message) and data the pure-Python loader gives;
  * every YAML document the backends emit with libyaml's emitter (escape.yaml_document's
    CSafeDumper path) is re-emitted by PyYAML's pure-Python emitter and must be byte-identical;
  * (Coach Up and the cases) rendering everything with the native paths switched off
    (escape.NATIVE = False) gives the same files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from adversarial import generate
from conftest import CASES, ROOT, SPEC

from obs_codegen.backends import escape, render_all
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


def _load(raw: bytes, name: str, fast: bool) -> tuple[Any, list[Any]]:
    src = Source(name, raw)
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return None, ["not utf-8"]
    diags = parse_text(src, text, fast=fast)
    return src.data, [(d.file, d.line, d.column, d.rule, d.severity, d.message) for d in diags]


class _CheckedDump:
    """yaml.dump that re-emits every libyaml-emitted document with PyYAML's emitter and compares."""

    def __init__(self) -> None:
        self.real = yaml.dump
        self.native = 0
        self.mismatches: list[str] = []

    def __call__(self, doc: Any, stream: Any = None, Dumper: Any = yaml.Dumper, **kw: Any) -> Any:  # noqa: N803
        out = self.real(doc, stream, Dumper=Dumper, **kw)
        if issubclass(Dumper, yaml.CSafeDumper):
            self.native += 1

            class Pure(yaml.SafeDumper):
                yaml_representers = dict(Dumper.yaml_representers)

            pure = self.real(doc, stream, Dumper=Pure, **kw)
            if pure != out:
                self.mismatches.append(f"libyaml {out!r}\nPyYAML  {pure!r}")
        return out


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_libyaml_loads_and_emits_like_pure_python(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    checked = _CheckedDump()
    monkeypatch.setattr(yaml, "dump", checked)
    rendered = 0
    for name, raw in CORPUS[chunk::CHUNKS]:
        fast, pure = _load(raw, name, True), _load(raw, name, False)
        assert fast == pure, name
        compiled = compile_bytes(raw, name, lint=False)
        if not compiled.ok:
            continue
        try:
            render_all(compiled.model, Templates(), only=["dashboards", "prometheus"])
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
    monkeypatch.setattr(escape, "NATIVE", False)
    assert render_all(compiled.model, Templates()) == native


def test_plain_ascii_guard() -> None:
    """Documents libyaml might style differently stay on PyYAML's emitter."""
    assert escape._plain_ascii({"a": [1, 2.5, True, None, "x y\nz"]})
    for doc in ({"a": "café"}, {"a": "\x85"}, {"a": "tab\there"}, {"k\u2028": 1}, {"a": b"bytes"}, {"a": (1,)}):
        assert not escape._plain_ascii(doc), doc
