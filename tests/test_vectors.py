"""The shared vector files, run through BOTH generated helpers: hashId / hash_id and sanitizeHeaders / sanitize_headers.

Three files in tests/fixtures/codegen, all run in one node process (TypeScript compiled once by
tsc) and one Python process, each result compared with the file's expectation and TypeScript's
with Python's:

  * hash_vectors.json: HMAC vectors recomputed here with Python's `hmac` (independently of the
    generated code) and the inputs both languages must reject, with their error messages;
  * sanitize_cases.json: a few realistic requests, expected results written by hand;
  * header_vectors.json: ~1800 hostile cases x every hop of two specs (the Coach Up spec and
    hostile_headers.yaml), written by make_header_vectors.py from the spec's declarations and
    hand-classified values. Add a case for each bug there.

`UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_vectors.py` rewrites the two generated files.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SPEC, model_of, run, tsc, write_files

from obs_codegen.backends import identifiers, python_pkg, typescript
from obs_codegen.backends.templating import Templates
from obs_codegen.pipeline import compile_spec

FIXTURES = ROOT / "tests" / "fixtures" / "codegen"
HASHES = FIXTURES / "hash_vectors.json"
SANITIZE = FIXTURES / "sanitize_cases.json"
HEADERS = FIXTURES / "header_vectors.json"
HOSTILE = FIXTURES / "hostile_headers.yaml"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def generator() -> Any:
    spec = importlib.util.spec_from_file_location("make_header_vectors", FIXTURES / "make_header_vectors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


# --- the files ---------------------------------------------------------------------------------

KINDS = {"userIdHash": "u:", "sessionIdHash": "s:", "focusIdHash": "f:", "groupId": "g:"}
ID_ERROR = "id must be a non-empty string without unpaired surrogates"
SALT_ERROR = "salt must be a non-empty string without unpaired surrogates, or non-empty bytes"
KIND_ERROR = f"unknown identifier kind (expected one of: {', '.join(KINDS)})"
UNDEFINED = {"$undefined": True}


def hex_bytes(data: bytes) -> dict[str, str]:
    return {"$bytes": data.hex()}


def hash_vectors_text() -> str:
    raws = ["user_2abc", "\u00fcn\u00efc\u00f8d\u00e9 \U0001f642", "x" * 1000, "a\nb\u2028c", "\U0001f600", "a\x00b"]
    salts: list[Any] = ["s3cr3t", "salt with spaces", "\U0001f9c2"]
    vectors = [
        {"kind": kind, "raw": raw, "salt": salt,
         "expected": prefix + hmac.new(salt.encode(), raw.encode(), hashlib.sha256).hexdigest()[:32]}
        for kind, prefix in KINDS.items() for raw in raws for salt in salts
    ] + [  # bytes salts: the UTF-8 of a string salt gives the same hash; any bytes are a key
        {"kind": "userIdHash", "raw": raw, "salt": hex_bytes(key),
         "expected": "u:" + hmac.new(key, raw.encode(), hashlib.sha256).hexdigest()[:32]}
        for raw in raws[:2] for key in ("\U0001f9c2".encode(), b"\x00\xff\xfe", b"s3cr3t")
    ]
    ok = ("userIdHash", "user_2abc", "s3cr3t")
    bad: list[tuple[Any, Any, Any, str, str]] = [
        *[(ok[0], raw, ok[2], ID_ERROR, "ValueError")
          for raw in ("", "\ud800", "u\ud800", "u\udfff", "\ude00\ud83d", "a\ud83d", "\udc00x")],
        *[(ok[0], raw, ok[2], ID_ERROR, "TypeError")
          for raw in (None, UNDEFINED, 5, True, hex_bytes(b"user_2abc"), ["user_2abc"], {"id": "user_2abc"})],
        *[(ok[0], ok[1], salt, SALT_ERROR, "ValueError") for salt in ("", hex_bytes(b""), "\ud800", "a\udfff")],
        *[(ok[0], ok[1], salt, SALT_ERROR, "TypeError") for salt in (None, UNDEFINED, 5, ["s3cr3t"], {})],
        *[(kind, ok[1], ok[2], KIND_ERROR, "ValueError")
          for kind in ("nope", "", "__proto__", "toString", "USERIDHASH", "u:")],
        *[(kind, ok[1], ok[2], KIND_ERROR, "TypeError") for kind in (5, None, ["userIdHash"])],
        ("nope", "", "", KIND_ERROR, "ValueError"),  # the first bad argument is the one reported
        (ok[0], "", "", ID_ERROR, "ValueError"),
    ]
    errors = [{"kind": k, "raw": r, "salt": s, "error": e, "python_error": p} for k, r, s, e, p in bad]
    return json.dumps({
        "description": "HMAC-SHA256(salt, raw) hex[:32] with the kind's prefix, computed with Python hmac by "
                       "tests/test_vectors.py; `errors` must raise (TypeScript: TypeError; Python: `python_error`) "
                       "with the message '<function>: <error>'. {\"$bytes\": hex} is a Uint8Array / bytes, "
                       "{\"$undefined\": true} JavaScript undefined / Python None.",
        "vectors": vectors, "errors": errors}, indent=1) + "\n"


def test_hash_vectors_file_is_independently_computed() -> None:
    text = hash_vectors_text()
    if UPDATE:
        HASHES.write_text(text, encoding="ascii")
    assert HASHES.read_text(encoding="ascii") == text


def test_header_vectors_file_is_the_generators_output() -> None:
    """The committed file is make_header_vectors.py's output (which also checks its contract against the hand cases)."""
    text = generator().render()
    if UPDATE:
        HEADERS.write_text(text, encoding="ascii")
    assert HEADERS.read_text(encoding="ascii") == text


def test_header_vectors_cover_every_class() -> None:
    data = json.loads(HEADERS.read_text())
    assert "Add a case for each bug" in data["add_a_case"]
    for section in data["specs"]:
        ids = [c["id"] for c in section["cases"]]
        prefixes = {i.split("/")[0] for i in ids}
        assert prefixes >= {"good", "format", "case", "underscore", "both-spellings", "trim", "control", "size", "dup",
                            "type", "absent", "name", "unknown", "missing", "container", "mixed"}, prefixes
        assert section["external"] and len(ids) > 300
        for label in ("cr", "lf", "crlf", "nul", "del", "nel-c1", "nbsp", "line-sep", "bom", "emoji", "lone-high"):
            assert f"control/x-request-id/{label}" in ids
        reasons = {d[1] for c in section["cases"] for r in c["expected"].values() for d in r.get("dropped", [])}
        assert reasons >= {"invalid-name", "unknown", "secret-on-external-hop", "identity-on-external-hop",
                           "not-allowed-on-hop", "invalid-value", "too-large", "malformed"}, reasons
    assert any(c["id"].startswith("regex/") for c in data["specs"][1]["cases"])


def test_hostile_spec_is_lint_dirty_in_exactly_the_deliberate_ways() -> None:
    """hostile_headers.yaml lists a secret and an identity header on its external hop and spells one with '_'."""
    compiled = compile_spec(HOSTILE, "hostile_headers.yaml")
    found = sorted((d.rule, d.message.split("'")[1]) for d in compiled.diagnostics if d.severity == "error")
    assert found == [("header-name", "x_legacy"), ("header-secret-hop", "authorization"),
                     ("header-secret-hop", "x-user-id")], [d.text() for d in compiled.diagnostics]


# --- running them ------------------------------------------------------------------------------

SECTIONS = {"coachup": (SPEC, True), "hostile": (HOSTILE, False)}  # spec, lint-clean


@pytest.fixture(scope="module")
def vectors_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both specs' packages: the Coach Up spec's at the root, the hostile spec's under hostile/."""
    out = tmp_path_factory.mktemp("vectors")
    for name, (spec, clean) in SECTIONS.items():
        model = model_of(spec, lint=clean)
        for backend in (typescript, python_pkg):
            write_files(backend.render(model, Templates()), out if name == "coachup" else out / name)
    return out


def package_dir(name: str) -> str:
    return "." if name == "coachup" else name


@pytest.fixture(scope="module")
def ts_results(vectors_out: Path) -> dict[str, Any]:
    shutil.copy(FIXTURES / "run_vectors.ts", vectors_out / "run_vectors.ts")
    (vectors_out / "package.json").write_text('{"type": "module"}')
    options = {
        "strict": True, "noUnusedLocals": True, "noUnusedParameters": True, "noUncheckedIndexedAccess": True,
        "module": "nodenext", "moduleResolution": "nodenext", "target": "es2022", "lib": ["es2022"],
        "types": ["node"], "typeRoots": [str(ROOT / "node_modules" / "@types")], "outDir": "js", "rootDir": ".",
    }
    compiled = tsc(vectors_out, {"compilerOptions": options, "files": ["run_vectors.ts"],
                                 "include": [f"{package_dir(n)}/typescript/*.ts" for n in SECTIONS]})
    assert compiled.returncode == 0, compiled.stdout
    return node_results(vectors_out)


def node_results(out: Path) -> dict[str, Any]:
    ran = run(["node", "js/run_vectors.js", str(HASHES), str(SANITIZE), str(HEADERS),
               *[f"{n}=../{package_dir(n)}" for n in SECTIONS]], out)
    assert ran.returncode == 0, ran.stderr[-3000:]
    return json.loads(ran.stdout)  # type: ignore[no-any-return]


def py_results(out: Path) -> dict[str, Any]:
    packages = [f"{n}={out / package_dir(n)}:{model_of(spec, lint=clean).project.python_package}"
                for n, (spec, clean) in SECTIONS.items()]
    ran = run([sys.executable, str(FIXTURES / "run_vectors.py"), str(HASHES), str(SANITIZE), str(HEADERS), *packages],
              out)
    assert ran.returncode == 0, ran.stderr[-3000:]
    return json.loads(ran.stdout)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def python_results(vectors_out: Path) -> dict[str, Any]:
    return py_results(vectors_out)


def expected(language: str) -> dict[str, Any]:
    """Every file's expectation as `language`'s runner reports it: errors as the full message and the error class."""
    sanitize_fn, hash_fn = ("sanitizeHeaders", "hashId") if language == "ts" else ("sanitize_headers", "hash_id")

    def error(e: dict[str, Any], fn: str) -> dict[str, str]:
        return {"error": f"{fn}: {e['error']}", "type": "TypeError" if language == "ts" else e["python_error"]}

    def result(r: dict[str, Any]) -> dict[str, Any]:
        return error(r, sanitize_fn) if "error" in r else r

    hashes = json.loads(HASHES.read_text())
    legacy = json.loads(SANITIZE.read_text())["cases"]
    sections = json.loads(HEADERS.read_text())["specs"]
    return {
        "hashes": [v["expected"] for v in hashes["vectors"]],
        "hash_errors": [error(e, hash_fn) for e in hashes["errors"]],
        "sanitized": [{"headers": [list(p) for p in c["expected"]["headers"].items()],
                       "dropped": [[d["name"], d["reason"]] for d in c["expected"]["dropped"]],
                       "missing": c["expected"]["missing"]} for c in legacy],
        "headers": {s["name"]: {"cases": [{hop: result(r) for hop, r in c["expected"].items()} for c in s["cases"]],
                                "hop_errors": [error(e, sanitize_fn) for e in s["hop_errors"]]}
                    for s in sections},
    }


def mismatches(got: dict[str, Any], want: dict[str, Any], limit: int | None = 20) -> list[str]:
    """Readable differences (case ids), at most `limit`."""
    out = [f"{key}[{i}]: got {g!r} want {w!r}" for key in ("hashes", "hash_errors", "sanitized")
           for i, (g, w) in enumerate(zip(got[key], want[key], strict=True)) if g != w]
    sections = json.loads(HEADERS.read_text())["specs"]
    for s in sections:
        g, w = got["headers"][s["name"]], want["headers"][s["name"]]
        for case, gc, wc in zip(s["cases"], g["cases"], w["cases"], strict=True):
            out += [f"{s['name']} {case['id']} @{hop}: got {gc[hop]} want {wc[hop]}" for hop in wc if gc[hop] != wc[hop]]
        out += [f"{s['name']} {e['id']}: got {a} want {b}"
                for e, a, b in zip(s["hop_errors"], g["hop_errors"], w["hop_errors"], strict=True) if a != b]
    return out[:limit]


def test_typescript_passes_every_vector(ts_results: dict[str, Any]) -> None:
    assert mismatches(ts_results, expected("ts")) == []


def test_python_passes_every_vector(python_results: dict[str, Any]) -> None:
    assert mismatches(python_results, expected("py")) == []


def test_typescript_and_python_agree(ts_results: dict[str, Any], python_results: dict[str, Any]) -> None:
    """Same output everywhere; errors the same message (apart from the function's name)."""
    def neutral(value: Any) -> Any:
        if isinstance(value, dict) and "error" in value:
            return value["error"].split(": ", 1)[1]
        if isinstance(value, dict):
            return {k: neutral(v) for k, v in value.items()}
        if isinstance(value, list):
            return [neutral(v) for v in value]
        return value

    assert neutral(ts_results) == neutral(python_results)


@pytest.mark.parametrize("language", ["ts", "py"])
def test_no_secret_identity_or_undeclared_header_crosses_an_external_hop(
        language: str, ts_results: dict[str, Any], python_results: dict[str, Any]) -> None:
    """Checked against the spec models themselves, not the vector file's own lists."""
    results = ts_results if language == "ts" else python_results
    sections = {s["name"]: s for s in json.loads(HEADERS.read_text())["specs"]}
    forwarded_on_external = 0
    for name, (spec, clean) in SECTIONS.items():
        model = model_of(spec, lint=clean)
        private = {h.name for h in model.headers if h.secret or h.identity}
        assert private and set(sections[name]["secret_or_identity"]) == private
        for hop in (h for h in model.hops if h.external):
            listed = {h.name for h in model.headers_for_hop(hop.name)} - private
            for case in results["headers"][name]["cases"]:
                forwarded = {n for n, _ in case[hop.name].get("headers", [])}
                assert forwarded <= listed, (hop.name, forwarded - listed)
                forwarded_on_external += len(forwarded)
    assert forwarded_on_external > 100  # the check is not vacuous: external hops do forward their headers


# The printable-ASCII value check removed (the pattern alone decides) and the identity rule for
# external hops switched off, in the generated Python and in the compiled TypeScript.
BREAK = {
    "py": [('re.compile(r"[\\x20-\\x7e]*")', 're.compile(r"(?s).*")'),
           ("elif spec.external and header.identity:", "elif False:")],
    "ts": [("/^[\\x20-\\x7e]*$/", "/^[^]*$/"), ("else if (spec.external && header.identity)", "else if (false)")],
}
# Cases the broken helpers must fail: `.` matches U+FEFF in both engines, U+2028 and CR in Python only;
# `\S` matches NBSP in Python (re.ASCII) only, `\s` matches NBSP in JavaScript only.
NOTICED = {
    "both": ["hostile control/x-anything/bom @api-llm", "coachup good/x-session-id/0 @py-provider"],
    "py": ["hostile regex/dot-star/line-sep @api-llm", "hostile regex/dot-star/cr @api-worker",
           "hostile regex/non-whitespace/nbsp @edge-api"],
    "ts": ["hostile regex/whitespace/nbsp @edge-api", "hostile regex/whitespace/bom @api-llm"],
}


@pytest.mark.parametrize("language", ["ts", "py"])
def test_a_helper_without_the_value_check_fails_the_vectors(
        language: str, vectors_out: Path, ts_results: dict[str, Any], tmp_path: Path) -> None:
    """Negative control: broken helpers forward what the pattern alone lets through, and the vectors notice."""
    out = Path(shutil.copytree(vectors_out, tmp_path / "broken"))
    for name, (spec, clean) in SECTIONS.items():
        package = model_of(spec, lint=clean).project.python_package
        path = (out / package_dir(name) / "python" / package / "headers.py" if language == "py"
                else out / package_dir(name) / "typescript" / "headers.js")
        text = path.read_text()
        for old, new in BREAK[language]:
            assert text.count(old) == 1, (path, old)
            text = text.replace(old, new)
        path.write_text(text)
    got = node_results(out) if language == "ts" else py_results(out)
    bad = {m.split(": got")[0] for m in mismatches(got, expected(language), None)}
    for needle in NOTICED["both"] + NOTICED[language]:
        assert needle in bad, (needle, sorted(bad)[:20])


# --- why the value check makes the regex engines agree -------------------------------------------

ENGINE_CHECK = r"""
import { readFileSync } from "node:fs";
const { patterns, values } = JSON.parse(readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(patterns.map((p) => { const re = new RegExp(p); return values.map((v) => re.test(v)); })));
"""
# Constructs the portability lint lets through, each anchored as the generator anchors it.
EXTRA_PATTERNS = ["^.{2}$", "^\\s$", "^\\S$", "^[\\s\\S]$", "^\\W$", "^\\D$", "^\\b\\w+\\b$", "^[^a]+$", "^$",
                  "^(?:a|b$)$", "^(?=a).$", "^(?!a)..$", "^a*?b$", "^[\\^-]$", "^\\x41$", "^[\\u0041-\\u005a]$"]


def engines(patterns: list[str], values: list[str]) -> tuple[list[list[bool]], list[list[bool]]]:
    """(JavaScript `RegExp#test`, Python `re.fullmatch(re.ASCII)`) for every pattern x value."""
    import re

    ran = subprocess.run(["node", "--input-type=module", "-e", ENGINE_CHECK], input=json.dumps(
        {"patterns": patterns, "values": values}), capture_output=True, text=True, timeout=120, check=False)
    assert ran.returncode == 0, ran.stderr
    python = [[re.fullmatch(p, v, re.ASCII) is not None for v in values] for p in patterns]
    return json.loads(ran.stdout), python


def test_header_patterns_agree_on_every_short_printable_ascii_value() -> None:
    """Every header pattern of both specs (and a few more constructs) gives the same verdict in both engines
    on every printable-ASCII string of up to 2 characters and on every vector value that reaches it."""
    printable = [chr(c) for c in range(0x20, 0x7F)]
    values = ["", *printable, *[a + b for a in printable for b in printable]]
    sections = json.loads(HEADERS.read_text())["specs"]
    values += sorted({v for s in sections for c in s["cases"] if isinstance(c["input"], list)
                      for pair in c["input"] if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[1], str)
                      and all(" " <= ch <= "~" for ch in pair[1]) for v in [pair[1].strip(" \t")]})
    patterns = sorted({identifiers.portable_pattern(h.pattern, h.name) for spec, clean in SECTIONS.values()
                       for h in model_of(spec, lint=clean).headers}) + EXTRA_PATTERNS
    js, py = engines(patterns, values)
    assert len(values) > 9000 and len(patterns) > 25
    disagree = [(p, v) for p, jr, pr in zip(patterns, js, py, strict=True) for v, a, b in zip(values, jr, pr, strict=True)
                if a != b]
    assert disagree == []


def test_the_engines_do_disagree_outside_printable_ascii_and_on_backreferences() -> None:
    """Negative control for the test above: the harness sees the differences the helpers and lint rule out."""
    js, py = engines(["^.$", "^\\s$", "^\\S$", "^.$", "^(a)?\\1$"], ["\r", "\u00a0", "\u00a0", "\U0001f600", ""])
    diagonal = [(js[i][i], py[i][i]) for i in range(5)]
    assert diagonal == [(False, True), (True, False), (False, True), (False, True), (True, False)]
