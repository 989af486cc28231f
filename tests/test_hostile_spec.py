"""A spec with injection strings in every text field: lint-clean, and every consumer accepts the output inertly.

The issue's "done when": a title, description or other string holding `\"\"\"`, `*/`, `\\N`, `\\x`,
`${}`, a NUL, a lone surrogate or CRLF either fails lint with a position, or generates code that
compiles and, imported, runs nothing but the module. HOSTILE_SPEC puts one-line payloads in every
name-like text (titles, summaries, units, enum values, header literal, prefixes, URLs, folder)
and multi-line payloads in every description; each payload tries to create a marker file when
it breaks out of a Python docstring/comment/literal or a TypeScript comment/literal/template.
The consumers are the real ones: py_compile, `mypy --strict`, `import` in a fresh interpreter,
`tsc --strict` and `node` importing the compiled package, `promtool check rules`, json, tomllib,
yaml. Control characters instead fail lint at the exact line and column.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import tomllib
import yaml
from conftest import mypy, require_binary, run, run_cli, tsc, write_files
from test_adversarial import BASE, PROJECT_TS

from obs_codegen.backends import render_all
from obs_codegen.pipeline import compile_spec


def payloads(marker: Path) -> tuple[list[str], list[str]]:
    """(one-line payloads, multi-line payloads), every one aimed at creating `marker`."""
    m = json.dumps(str(marker))  # a quoted path, usable in Python and JavaScript alike
    line = [
        f'""" + str(__import__("pathlib").Path({m}).touch()) + """',
        f"''' + str(__import__('pathlib').Path({m}).touch()) + '''",
        f'" + require("fs").writeFileSync({m}, "") + "',
        f'*/ require("fs").writeFileSync({m}, ""); /*',
        f'${{require("fs").writeFileSync({m}, "")}}',
        f'`; require("fs").writeFileSync({m}, ""); `',
        "\\N \\x \\u \\U ends with a backslash \\",
        "type: ignore @ts-expect-error coding: latin-1 # noqa",
        "{{ 7*7 }} {% raw %} </script> <!-- --> | pipes | `ticks` *stars* _under_ [x](javascript:y)",
        "\ufeff 😀 “smart” ‘quotes’ : # - ? & * ! % @",
    ]
    text = [f'"""\nimport pathlib; pathlib.Path({m}).touch()\n"""',
            f"*/\nrequire('fs').writeFileSync({m}, '');\n/*\ttab",
            f"'''\n__import__('pathlib').Path({m}).touch()\n'''\\"]
    return line, text


def hostile_spec(marker: Path) -> dict[str, Any]:
    line, text = payloads(marker)
    data: dict[str, Any] = yaml.safe_load(BASE)
    one = iter(line * 10)
    multi = iter(text * 20)

    def descriptions(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "description" and isinstance(value, str):
                    node[key] = next(multi) + " " + next(one)
                else:
                    descriptions(value)

    descriptions(data)
    project = data["project"]
    project.update(title=line[0], dashboards={"folder": next(one)},  # title: into the package docstring
                   links={"catalog": f"https://example.com/{next(one)}", "grafana": f"https://grafana.example.com/{next(one)}"})
    for service, title in zip(data["services"].values(), line[1:]):
        service["title"] = title
    data["tags"]["route"]["values"] = line
    data["tags"]["userIdHash"]["prefix"] = "u\"'"
    # a unit is built in or declared (a name); the hostile text goes into the declared unit's Grafana id
    data["units"] = {"hostile": {"description": next(multi), "grafana": next(one)}}
    data["metrics"]["api.request.count"]["unit"] = "hostile"
    data["headers"]["accept"]["value"] = "text/event-stream; x=\"\"\"*/${a}'"
    fields = data["logs"]["events"]["api.request"]["fields"]
    fields["latencyMs"]["unit"] = "hostile"
    fields["note"] = {"type": "enum", "values": line, "description": next(multi)}
    data["slos"]["api-availability"]["filter"] = {"route": line[0]}
    data["alerts"]["ApiLatencyHigh"]["summary"] = next(one)
    data["alerts"]["ApiLatencyHigh"]["quantile"]["filter"] = {"route": line[3]}
    data["redaction"] = {"description": next(multi), "forbidden_fields": ["rawText", "email"]}
    return data


@pytest.fixture(scope="module")
def hostile_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("hostile")
    marker = tmp / "PWNED"
    path = tmp / "spec.yaml"
    path.write_text(yaml.safe_dump(hostile_spec(marker), sort_keys=False, allow_unicode=True), encoding="utf-8")
    compiled = compile_spec(path, "spec.yaml")
    assert compiled.ok, [d.text() for d in compiled.diagnostics]
    assert compiled.model is not None
    return write_files(render_all(compiled.model), tmp / "out"), marker


def test_every_output_parses(hostile_out: tuple[Path, Path]) -> None:
    out, _ = hostile_out
    files = sorted(p for p in out.rglob("*") if p.is_file())
    for path in files:
        text = path.read_bytes().decode("utf-8")  # valid UTF-8 everywhere
        if path.suffix == ".json":
            json.loads(text)
        elif path.suffix in (".yml", ".yaml"):
            yaml.safe_load(text)
        elif path.suffix == ".toml":
            assert tomllib.loads(text)["project"]["description"].startswith(hostile_spec(Path("x"))["project"]["title"][:5])
        elif path.suffix == ".py":
            compile(text, str(path), "exec")
    assert any(p.suffix == ".ts" for p in files) and any(p.suffix == ".md" for p in files)


def test_python_package_is_strict_and_inert(hostile_out: tuple[Path, Path]) -> None:
    out, marker = hostile_out
    checked = mypy("shop_obs", out / "python", cwd=out / "python")
    assert checked.returncode == 0, checked.stdout
    probe = ("import shop_obs, shop_obs.instrumentation, shop_obs.logs, shop_obs.headers, shop_obs.metrics\n"
             "print(shop_obs.__doc__.split(' observability constants')[0])\n"
             "print(sorted(shop_obs.HEADERS['accept'].value))\n")
    ran = run([sys.executable, "-c", probe], cwd=out / "python")
    assert ran.returncode == 0, ran.stderr
    assert not marker.exists(), "importing the generated package ran spec text"
    title = hostile_spec(marker)["project"]["title"]
    assert ran.stdout.splitlines()[0] == title  # the docstring reads as the title


def test_typescript_package_is_strict_and_inert(hostile_out: tuple[Path, Path]) -> None:
    out, marker = hostile_out
    (out / "package.json").write_text('{"type": "module"}', encoding="utf-8")
    options = {**PROJECT_TS, "noEmit": False, "outDir": "js", "rootDir": "."}
    result = tsc(out, {"compilerOptions": options, "include": ["typescript/*.ts"]})
    assert result.returncode == 0, result.stdout
    ran = run(["node", "--input-type=module", "-e",
               "const m = await import('./typescript/index.js');"
               "process.stdout.write(JSON.stringify(m.TAG_VALUES.route));"], cwd=out)
    assert ran.returncode == 0, ran.stderr
    assert not marker.exists(), "importing the generated package ran spec text"
    assert json.loads(ran.stdout) == payloads(marker)[0]


def test_prometheus_rules_load(hostile_out: tuple[Path, Path]) -> None:
    out, _ = hostile_out
    rules = sorted(str(p) for p in (out / "prometheus" / "rules").glob("*.yml"))
    checked = run([require_binary("promtool"), "check", "rules", *rules], cwd=out)
    assert checked.returncode == 0, checked.stdout + checked.stderr


# --- what lint refuses, with a position --------------------------------------------------------

REFUSED = ["\x00", "\ud83d", "\r\n", "\u2028", "\x1b[0m", "\x7f", "\x85"]


@pytest.mark.parametrize("bad", REFUSED, ids=[ascii(b) for b in REFUSED])
@pytest.mark.parametrize("field", ["title", "description"])
def test_control_characters_fail_lint_at_their_position(tmp_path: Path, bad: str, field: str) -> None:
    escaped = json.dumps(bad)[1:-1]  # \u0000, \ud83d, \r\n, ... as YAML double-quoted escapes
    line = f'  {field}: "Shop {escaped} end"'
    text = BASE.replace("  title: Shop\n", "  title: Shop\n" if field != "title" else line + "\n")
    if field == "description":
        text = text.replace("  description: A tiny web shop.\n", line + "\n")
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    compiled = compile_spec(path, "spec.yaml")
    lineno = text.splitlines().index(line) + 1
    found = [(d.rule, d.line, d.column) for d in compiled.diagnostics if d.severity == "error"]
    assert found == [("spec-control-character", lineno, len(f'  {field}: "Shop ') + 1)], found


def test_the_payloads_are_live(tmp_path: Path) -> None:
    """Negative control: pasted raw into the contexts they target, the payloads do create the marker."""
    marker = tmp_path / "PWNED"
    line, _ = payloads(marker)
    ran = run([sys.executable, "-c", f'"""{line[0]} observability constants."""'], cwd=tmp_path)
    assert ran.returncode == 0 and marker.exists(), ran.stderr
    marker.unlink()
    ran = run(["node", "-e", f"/** {line[3]} */ const x = 1;"], cwd=tmp_path)
    assert ran.returncode == 0 and marker.exists(), ran.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_a_lone_surrogate_is_a_diagnostic_in_every_format(tmp_path: Path, fmt: str) -> None:
    """Was: lint-clean, then an internal error at render time, and a traceback in `--format github`."""
    path = tmp_path / "spec,with:odd name.yaml"
    path.write_text(BASE.replace("  title: Shop\n", '  title: "Shop \\ud83d"\n').replace(
        "  api: {title: API,", '  "api\\udfff": {title: API,'), encoding="utf-8")
    for command in (["lint"], ["generate", "--out", str(tmp_path / "out")]):
        result = run_cli(*command, "--spec", str(path), "--format", fmt)
        assert result.returncode == 1 and "Traceback" not in result.stderr + result.stdout, result.stderr[-2000:]
        output = result.stdout + result.stderr
        output.encode("utf-8")
        assert "spec-control-character" in output and not (tmp_path / "out").exists()
    if fmt == "github":
        lines = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
        assert lines and all(",line=" in line and "%2C" in line and "%3A" in line for line in lines)
