"""The `typescript` and `python` backends, proven by the programs that consume them.

tsc (--strict) type-checks the generated TS and the fixtures in tests/fixtures/codegen,
mypy --strict / ruff / pip check the generated Python. The shared hash and header vectors,
which both languages must pass identically, run in tests/test_vectors.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CASES, ROOT, SPEC, VENV_BIN, model_of, mypy, run, tsc, write_files

from obs_codegen.backends import identifiers, promql, python_pkg, typescript
from obs_codegen.backends.identifiers import CodegenError, IdentifierError
from obs_codegen.backends.templating import Templates

FIXTURES = Path(__file__).parent / "fixtures" / "codegen"
RUFF_RULES = ["--select", "E,F,W,B,I,UP", "--ignore", "E501"]  # long lines: spec strings are one literal
TSCONFIG = {
    "compilerOptions": {
        "strict": True, "noUnusedLocals": True, "noUnusedParameters": True, "exactOptionalPropertyTypes": True,
        "noUncheckedIndexedAccess": True,
        "module": "nodenext", "moduleResolution": "nodenext", "target": "es2022", "lib": ["es2022"],
        "types": ["node"], "typeRoots": [str(ROOT / "node_modules" / "@types")], "outDir": "js", "rootDir": ".",
    },
}


def write(model: Any, out: Path) -> Path:
    for backend in (typescript, python_pkg):
        write_files(backend.render(model, Templates()), out)
    return out


def tsconfig(files: list[str], emit: bool = False, include: tuple[str, ...] = ("typescript/*.ts",)) -> dict[str, Any]:
    return {**TSCONFIG, "compilerOptions": {**TSCONFIG["compilerOptions"], "noEmit": not emit}, "files": files,
            **({"include": list(include)} if include else {})}


def tsc_project(out: Path, files: list[str], emit: bool = False) -> subprocess.CompletedProcess[str]:
    """Type-check (and optionally compile to out/js) the generated TS plus `files` (fixtures are copied in)."""
    for name in files:
        if (FIXTURES / name).exists():  # else written into `out` by the test
            shutil.copy(FIXTURES / name, out / name)
    (out / "package.json").write_text('{"type": "module"}')
    result = tsc(out, tsconfig(files, emit))
    if emit and not (out / "js" / "typescript").exists():  # the package is plain JS already: tsc emits only the fixtures
        (out / "js" / "typescript").symlink_to(out / "typescript", target_is_directory=True)
    return result


@pytest.fixture(scope="module")
def coachup_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(model_of(SPEC), tmp_path_factory.mktemp("coachup"))


@pytest.fixture(scope="module")
def escaping_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(model_of(CASES / "escaping" / "spec.yaml"), tmp_path_factory.mktemp("escaping"))


@pytest.fixture(scope="module")
def bare_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """No hops, headers, hashed ids, SSE headers or logs: every generated union is empty."""
    return write(model_of(CASES / "bare" / "spec.yaml"), tmp_path_factory.mktemp("bare"))


@pytest.fixture(scope="module")
def relay_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The second product spec (seconds, bytes, gauge aggregations, part_of, stage environments)."""
    return write(model_of(CASES / "relay" / "spec.yaml"), tmp_path_factory.mktemp("relay"))


def test_typescript_relay_case_typechecks(relay_out: Path) -> None:
    (relay_out / "relay.ts").write_text(
        'import { WORKER_JOB_DURATION_SECONDS } from "./typescript/metrics.js";\n'
        'export const base: "relay_worker_job_duration_seconds" = WORKER_JOB_DURATION_SECONDS.promName;\n')
    result = tsc_project(relay_out, ["relay.ts"])
    assert result.returncode == 0, result.stdout + result.stderr


# --- identifiers -----------------------------------------------------------------------

def test_identifier_rules() -> None:
    assert identifiers.upper_snake("x-request-id") == "X_REQUEST_ID"
    assert identifiers.upper_snake("next.request.latency_ms") == "NEXT_REQUEST_LATENCY_MS"
    assert identifiers.upper_snake("userIdHash") == "USER_ID_HASH"
    assert identifiers.pascal_case("py.provider_call", "Event") == "PyProviderCallEvent"
    assert identifiers.pascal_case("webVitals", "Object") == "WebVitalsObject"


@pytest.mark.parametrize(("ident", "language", "rule"), [
    ("class", "typescript", "codegen-identifier-reserved"),
    ("Error", "typescript", "codegen-identifier-reserved"),
    ("None", "python", "codegen-identifier-reserved"),
    ("lambda", "python", "codegen-identifier-reserved"),
    ("1_UP", "python", "codegen-identifier-invalid"),
    ("", "typescript", "codegen-identifier-invalid"),
])
def test_reserved_and_invalid_identifiers(ident: str, language: Any, rule: str) -> None:
    with pytest.raises(IdentifierError) as err:
        identifiers.check(ident, language, "test")
    assert err.value.rule == rule and err.value.identifier == ident
    assert identifiers.check("X_REQUEST_ID", language, "test") == "X_REQUEST_ID"


def test_bucket_bounds_are_exact_while_promql_numbers_are_rounded() -> None:
    """Why two number formatters: bucket bounds in code must be the spec's value exactly (the client
    exposes them as `le`), PromQL text rounds away the float noise of computed values."""
    assert identifiers.exact_number(1e-12) == "1e-12" and promql.rounded_number(1e-12) == "0"
    assert identifiers.exact_number(99.9 / 100) == "0.9990000000000001" and promql.rounded_number(99.9 / 100) == "0.999"
    assert identifiers.exact_number(8000.0) == promql.rounded_number(8000.0) == "8000"
    assert identifiers.exact_number(0.25) == promql.rounded_number(0.25) == "0.25"


MINIMAL = (CASES / "minimal" / "spec.yaml").read_text()


def minimal_with(tmp_path: Path, edit: Any) -> Any:
    data = yaml.safe_load(MINIMAL)
    edit(data)
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return model_of(path, lint=False)


@pytest.mark.parametrize("backend", [typescript, python_pkg])
def test_metric_name_collision_is_an_error(tmp_path: Path, backend: Any) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["metrics"]["api.request_count"] = {"type": "counter", "unit": "requests", "tags": ["env"],
                                            "description": "Collides with api.request.count."}
    model = minimal_with(tmp_path, edit)
    with pytest.raises(IdentifierError) as err:
        backend.render(model, Templates())
    assert err.value.rule == "codegen-identifier-collision"
    assert "API_REQUEST_COUNT" in str(err.value) and "api.request.count" in str(err.value)
    assert err.value.pos is not None and err.value.pos.line > 0


@pytest.mark.parametrize("backend", [typescript, python_pkg])
def test_header_named_like_a_module_builtin_collides(tmp_path: Path, backend: Any) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["headers"]["headers"] = {"group": "recommended", "description": "Named HEADERS.", "hops": ["client-api"]}
    with pytest.raises(IdentifierError, match="HEADERS.*own 'HEADERS'"):
        backend.render(minimal_with(tmp_path, edit), Templates())


@pytest.mark.parametrize(("name", "why"), [("import", "keyword"), ("json", "standard-library"),
                                         ("prometheus_client", "imports")])
def test_python_package_name_that_is_a_keyword_or_shadows_a_module_is_an_error(tmp_path: Path, name: str,
                                                                                why: str) -> None:
    model = minimal_with(tmp_path, lambda d: d["project"]["packages"].update(python=name))
    with pytest.raises(CodegenError, match=why) as err:
        python_pkg.render(model, Templates())
    assert err.value.rule == "codegen-package-name" and err.value.path == ("project", "packages", "python")


@pytest.mark.parametrize("pattern", ["^(?i)abc$", "^(?P<x>a)b$", r"^\Aabc$", "^a{,3}$", "^a++$", "^[]a]$", "^(ab$",
                                     r"^(a)?\1$", "^a\U0001F600?$", "^[\U0001F600-\U0001F64F]$"])
def test_non_portable_header_pattern_is_an_error(tmp_path: Path, pattern: str) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["tags"]["sku"] = {"type": "string", "description": "SKU.", "pattern": pattern, "max_values": 5}
        d["headers"]["x-sku"] = {"group": "provider", "description": "SKU.", "format": "token", "tag": "sku",
                                 "hops": ["client-api"]}
    with pytest.raises(CodegenError) as err:
        typescript.render(minimal_with(tmp_path, edit), Templates())
    assert err.value.rule == "codegen-pattern-portability" and "x-sku" in err.value.message


def test_portable_patterns_are_anchored() -> None:
    assert identifiers.portable_pattern("^a$", "t") == "^a$"
    assert identifiers.portable_pattern("^(a|\U0001F600)$", "t") == "^(a|\U0001F600)$"  # a plain literal: fine
    assert identifiers.portable_pattern("a|b", "t") == "^(?:a|b)$"
    assert identifiers.portable_pattern("^a|b$", "t") == "^(?:^a|b$)$"


# --- output shape, determinism, templates ----------------------------------------------

def test_file_sets() -> None:
    model = model_of(SPEC)
    assert sorted(p.as_posix() for p in typescript.render(model, Templates())) == sorted([
        f"typescript/{m}{ext}" for m in ("emitters", "hashing", "headers", "index", "ingest", "instrumentation", "labels",
                                         "logmetrics", "logs", "metrics", "otel", "rum") for ext in (".d.ts", ".js")
    ] + ["typescript/package.json"])
    assert sorted(p.as_posix() for p in python_pkg.render(model, Templates())) == [
        f"python/coachup_obs/{n}" for n in ("__init__.py", "emitters.py", "hashing.py", "headers.py", "instrumentation.py",
                                            "labels.py", "logs.py", "metrics.py", "otel.py", "py.typed")] + ["python/pyproject.toml"]
    package = json.loads(typescript.render(model, Templates())[Path("typescript/package.json")])  # type: ignore[index]
    assert package["name"] == "@coachup/obs" and package["type"] == "module"
    assert package["exports"]["./headers"] == {"types": "./headers.d.ts", "import": "./headers.js"}
    assert package["sideEffects"] is False and set(package["files"]) == {
        p.name for p in typescript.render(model, Templates()) if p.suffix != ".json"}


def test_user_template_override_wins(tmp_path: Path) -> None:
    (tmp_path / "typescript").mkdir()
    (tmp_path / "typescript" / "index.js.j2").write_text("// custom {{ project.title | comment }}\n")
    files = typescript.render(model_of(SPEC), Templates(tmp_path))
    assert files[Path("typescript/index.js")] == b"// custom Coach Up\n"  # type: ignore[index]
    assert b"sanitizeHeaders" in files[Path("typescript/headers.js")]  # type: ignore[index]


# --- TypeScript ----------------------------------------------------------------------------

def test_typescript_strict_typecheck(coachup_out: Path) -> None:
    result = tsc_project(coachup_out, ["logs_ok.ts", "use_headers.ts"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_typescript_bare_case_typechecks_and_its_empty_unions_accept_nothing(bare_out: Path) -> None:
    """The generated TS of a spec with no hops, headers, hashed ids or log events compiles (noUnused* included);
    `never` unions make every call naming a hop, hashed-id kind or event a type error."""
    (bare_out / "ok.ts").write_text(
        'import { METRICS, WORKER_JOBS_COUNT } from "./typescript/index.js";\n'
        "export const ok: string[] = [WORKER_JOBS_COUNT.promName, ...Object.keys(METRICS)];\n")
    compiled = tsc_project(bare_out, ["ok.ts"])
    assert compiled.returncode == 0, compiled.stdout
    # no SSE headers in the spec: no SSE helpers to import
    (bare_out / "sse.ts").write_text('export { sseResponseHeaders } from "./typescript/index.js";\n')
    assert "has no exported member 'sseResponseHeaders'" in tsc_project(bare_out, ["sse.ts"]).stdout
    (bare_out / "calls.ts").write_text(
        'import { hashId, logLine, sanitizeHeaders } from "./typescript/index.js";\n'
        'export const a = sanitizeHeaders("client-api", []);\n'
        'export const b = hashId("userIdHash", "user_1", "salt");\n'
        'export const c = logLine("api.request", {});\n')
    result = tsc_project(bare_out, ["calls.ts"])
    assert [line.split("(")[1].split(",")[0] for line in result.stdout.splitlines() if line.startswith("calls.ts")] \
        == ["2", "3", "4"], result.stdout


def broken_copy(out: Path, fixture: str, old: str, new: str) -> str:
    """Write `fixture` with one edit (a negative test: the well-formed call minus one property)."""
    text = (FIXTURES / fixture).read_text()
    assert old in text
    name = "broken_" + fixture
    (out / name).write_text(text.replace(old, new))
    return name


# (text in logs_ok, its replacement, the error the checker must report)
BAD_TS_LOGS = [
    ('  requestId: "b7c1a5f9-2b2e-4ac6-9f0d-9f6d2e0b7a6e",\n', "", "requestId"),
    ("  latencyMs: 842,\n", '  latencyMs: 842,\n  text: "my raw message",\n', "'text' does not exist"),
    ('hashId("userIdHash", "user_1", "salt")', '"user_1"', "u:${string}"),
]


@pytest.mark.parametrize(("old", "new", "error"), BAD_TS_LOGS, ids=["missing-requestId", "raw-pii", "unhashed-id"])
def test_typescript_rejects_bad_log_calls(tmp_path: Path, old: str, new: str, error: str) -> None:
    out = write(model_of(SPEC), tmp_path)
    result = tsc_project(out, [broken_copy(out, "logs_ok.ts", old, new)])
    assert result.returncode != 0 and error in result.stdout, result.stdout


def test_typescript_escaping_case(escaping_out: Path) -> None:
    result = tsc_project(escaping_out, ["escaping.ts"], emit=True)
    assert result.returncode == 0, result.stdout
    ran = run(["node", "js/escaping.js"], escaping_out)
    assert ran.returncode == 0, ran.stderr
    model = model_of(CASES / "escaping" / "spec.yaml")
    got = json.loads(ran.stdout)
    assert got["headers"] == {h.name: h.description for h in model.headers}
    assert got["hops"] == {h.name: h.description for h in model.hops}
    assert got["metrics"] == {m.key: m.description for m in model.metrics}
    assert got["tags"] == {t.name: list(t.values) for t in model.tags if t.kind == "enum"}
    assert "\t" in got["metrics"]["app.request.count"] and "*/" in got["tags"]["mode"][5]
    assert '"""' in got["tags"]["mode"][4] and got["tags"]["mode"][8].endswith("\\")


def test_typescript_literal_types_reject_a_changed_string(escaping_out: Path) -> None:
    fixture = (FIXTURES / "escaping.ts").read_text().replace('"c\\\\d"', '"c\\\\\\\\d"')
    assert fixture != (FIXTURES / "escaping.ts").read_text()
    (escaping_out / "escaping_broken.ts").write_text(fixture)
    result = tsc(escaping_out, tsconfig(["escaping_broken.ts"], include=()), name="tsconfig.broken.json")
    assert result.returncode != 0 and "escaping_broken.ts" in result.stdout


# --- Python ---------------------------------------------------------------------------------

def test_python_mypy_strict_and_ruff(coachup_out: Path, escaping_out: Path, bare_out: Path, relay_out: Path) -> None:
    for out, package in ((coachup_out, "coachup_obs"), (escaping_out, "nasty_obs"), (bare_out, "bare_obs"),
                         (relay_out, "relay_obs")):
        checked = mypy(package, out / "python", cwd=out / "python")
        assert checked.returncode == 0, checked.stdout
        linted = run([str(VENV_BIN / "ruff"), "check", "--isolated", *RUFF_RULES, package], out / "python")
        assert linted.returncode == 0, linted.stdout


def test_python_typecheck_fixtures(coachup_out: Path) -> None:
    for name in ("logs_ok.py", "use_headers.py"):
        shutil.copy(FIXTURES / name, coachup_out / name)
        result = mypy(name, coachup_out / "python", cwd=coachup_out)
        assert result.returncode == 0, result.stdout


BAD_PY_LOGS = [
    ('    "requestId": "b7c1a5f9-2b2e-4ac6-9f0d-9f6d2e0b7a6e",\n', "", 'Missing key "requestId"'),
    ('    "latencyMs": 842,\n', '    "latencyMs": 842,\n    "text": "my raw message",\n', 'Extra key "text"'),
]


@pytest.mark.parametrize(("old", "new", "error"), BAD_PY_LOGS, ids=["missing-requestId", "raw-pii"])
def test_python_rejects_bad_log_calls(coachup_out: Path, old: str, new: str, error: str) -> None:
    result = mypy(broken_copy(coachup_out, "logs_ok.py", old, new), coachup_out / "python", cwd=coachup_out)
    assert result.returncode != 0 and error in result.stdout, result.stdout


def test_python_escaping_case_carries_strings_unchanged(escaping_out: Path) -> None:
    sys.path.insert(0, str(escaping_out / "python"))
    try:
        import nasty_obs  # type: ignore[import-not-found]
        from nasty_obs import logs
    finally:
        sys.path.remove(str(escaping_out / "python"))
    model = model_of(CASES / "escaping" / "spec.yaml")
    assert {n: h.description for n, h in nasty_obs.HEADERS.items()} == {h.name: h.description for h in model.headers}
    assert {k: m.description for k, m in nasty_obs.METRICS.items()} == {m.key: m.description for m in model.metrics}
    assert {n: h.description for n, h in nasty_obs.HOPS.items()} == {h.name: h.description for h in model.hops}
    assert dict(nasty_obs.TAG_VALUES) == {t.name: t.values for t in model.tags if t.kind == "enum"}
    event = model.logs.events[0]
    kind = next(f for f in event.fields if f.name == "kind")
    annotations = logs.AppRequestEvent.__annotations__  # functional TypedDict: a field is named `from`
    assert typing.get_args(annotations["kind"]) == kind.values
    assert "from" in logs.AppRequestEvent.__optional_keys__


def test_python_bare_case_imports_and_its_empty_types_accept_nothing(bare_out: Path) -> None:
    """`import bare_obs` works with no hops, headers or logs; `Never` types make any such call a mypy error."""
    ran = run([sys.executable, "-c", "import bare_obs; print(len(bare_obs.HOPS), bare_obs.LOG_EVENT_KEYS)"], bare_out,
              {"PYTHONPATH": str(bare_out / "python")})
    assert ran.stdout.strip() == "0 ()", ran.stderr
    (bare_out / "calls.py").write_text(
        "from bare_obs import hash_id, log_line, sanitize_headers\n\n"
        'sanitize_headers("client-api", [])\n'
        'hash_id("userIdHash", "user_1", "salt")\n'
        'log_line({"ts": "2025-01-01T00:00:00Z"})\n')
    result = mypy("calls.py", bare_out / "python", cwd=bare_out)
    assert [line.split(":")[1] for line in result.stdout.splitlines() if line.startswith("calls.py")] \
        == ["3", "4", "5"], result.stdout


def test_python_package_builds(coachup_out: Path, tmp_path: Path) -> None:
    """`pip install out/python`: a real offline pip install (the test extras pin `wheel`, which
    setuptools < 70.1 needs for bdist_wheel when build isolation is off)."""
    project = shutil.copytree(coachup_out / "python", tmp_path / "project")
    result = run([str(VENV_BIN / "pip"), "install", "--no-deps", "--no-build-isolation", "--no-index",
                  "--disable-pip-version-check", "--target", str(tmp_path / "site"), str(project)], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    site = tmp_path / "site"
    metadata = next(site.glob("coachup_obs-*.dist-info/METADATA")).read_text()
    assert "Name: coachup-obs" in metadata and "Requires-Python: >=3.11" in metadata
    assert (site / "coachup_obs" / "py.typed").exists()
    ran = run([sys.executable, "-c", "import coachup_obs; print(coachup_obs.X_REQUEST_ID)"], tmp_path,
              {"PYTHONPATH": str(site)})
    assert ran.stdout.strip() == "x-request-id", ran.stderr


# --- dropping a header from the spec breaks code that uses it (both languages) ------------------

def test_dropping_a_header_breaks_fixtures(tmp_path: Path) -> None:
    data = yaml.safe_load(SPEC.read_text())
    del data["headers"]["x-model-id"]
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    out = write(model_of(spec, lint=False), tmp_path / "out")
    ts = tsc_project(out, ["use_headers.ts"])
    assert ts.returncode != 0 and "X_MODEL_ID" in ts.stdout, ts.stdout
    shutil.copy(FIXTURES / "use_headers.py", out / "use_headers.py")
    py = mypy("use_headers.py", out / "python", cwd=out)
    assert py.returncode != 0 and "X_MODEL_ID" in py.stdout, py.stdout
