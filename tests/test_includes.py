"""Multi-file specs (`include:`, spec/includes.py, spec/include_paths.py).

The Coach Up spec, split programmatically into a root plus one file per service, generates the
same out/ as the single file (only the spec copies and the manifest differ, and must); `check`
sees an edit in any included file and a new file a glob matches; `diff` reads a multi-file base
from a previous out/ and from a git revision; hostile includes (symlink escapes, a FIFO, a fan-out
of a thousand files, the size limits over the whole set) are diagnostics, never a hang or traceback.
The per-error fixtures (file, line, column, rule id) are tests/rules/spec-include-*.yaml.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import OUT, SPEC, run_cli, tree

from obs_codegen.cli.entry import fast_check
from obs_codegen.pipeline import compile_spec
from obs_codegen.spec.include_paths import MAX_INCLUDED_FILES
from obs_codegen.spec.loader import Limits

SERVICE_SECTIONS = ("services", "metrics", "slos")


def split_spec(source: Path, dest: Path) -> list[str]:
    """Write `source` as a root plus `services/<n>-<service>.yaml` per service; the included names, in order.

    A service's file holds the service, its metrics (named `<service>.`), SLOs and log events; the
    numbered names keep the services' order (items merge root first, then file by file). Alerts stay
    in the root: the spec orders them across services (next, provider, py, provider), an order no
    sequence of per-service files can reproduce, and their order is visible in docs and routes.
    """
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    services = list(data["services"])
    files: dict[str, dict[str, object]] = {s: {} for s in services}

    def owner(section: str, name: str, item: object) -> str | None:
        if section == "services":
            return name
        if section == "metrics":
            return name.split(".")[0] if name.split(".")[0] in services else None
        service = item.get("service") if isinstance(item, dict) else None
        return service if service in services else None

    root: dict[str, object] = {}
    for section, value in data.items():
        if section in SERVICE_SECTIONS:
            kept = {}
            for name, item in value.items():
                who = owner(section, name, item)
                if who is None:
                    kept[name] = item
                else:
                    files[who].setdefault(section, {})[name] = item  # type: ignore[union-attr]
            if kept:
                root[section] = kept
        elif section == "logs":
            logs = {k: v for k, v in value.items() if k != "events"}
            for name, item in value["events"].items():
                who = owner("events", name, item)
                target = logs if who is None else files[who].setdefault("logs", {})
                target.setdefault("events", {})[name] = item  # type: ignore[union-attr]
            root[section] = logs
        else:
            root[section] = value
    root = {"version": root.pop("version"), "include": ["services/*.yaml"], **root}

    def dump(doc: object, schema: str) -> str:
        return (f"# yaml-language-server: $schema={schema}\n"
                + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120))

    (dest / "services").mkdir(parents=True)
    (dest / "observability.yaml").write_text(dump(root, "../out/schema/obs-codegen.spec.schema.json"), encoding="utf-8")
    names = []
    for i, service in enumerate(services, 1):
        names.append(f"services/{i}-{service}.yaml")
        (dest / names[-1]).write_text(dump(files[service], "../../out/schema/obs-codegen.include.schema.json"),
                                      encoding="utf-8")
    return names


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    work = tmp_path_factory.mktemp("split")
    names = split_spec(SPEC, work / "spec")
    done = run_cli("generate", cwd=work)
    assert done.returncode == 0, done.stderr
    return work, names


@pytest.fixture
def work(split: tuple[Path, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the split project, as the current directory (fast_check names the spec relative to it)."""
    copy = tmp_path / "w"
    shutil.copytree(split[0], copy, symlinks=True)
    monkeypatch.chdir(copy)
    return copy


def test_split_spec_generates_the_same_out(split: tuple[Path, list[str]]) -> None:
    work, names = split
    ours, single = tree(work / "out"), tree(OUT)
    differ = {p for p in set(ours) | set(single) if ours.get(p) != single.get(p)}
    copies = {f"spec/{n}" for n in names}
    # What must differ: the spec copy (the root is a different file, and the included files are copied
    # beside it) and the manifest that lists and hashes them. Nothing generated from the spec differs.
    assert differ == {".obs-codegen-manifest.json", "spec/spec.yaml"} | copies
    assert ours["spec/spec.yaml"] == (work / "spec" / "observability.yaml").read_bytes()
    for n in names:
        assert ours[f"spec/{n}"] == (work / "spec" / n).read_bytes()
    manifest, reference = json.loads(ours[".obs-codegen-manifest.json"]), json.loads(single[".obs-codegen-manifest.json"])
    assert manifest["include"] == ["services/*.yaml"]
    assert list(manifest["spec_files"]) == ["spec/observability.yaml", *(f"spec/{n}" for n in names)]
    same = {k: v for k, v in manifest["files"].items() if not k.startswith("spec/")}
    assert same == {k: v for k, v in reference["files"].items() if not k.startswith("spec/")}


def test_split_files_validate_against_the_generated_schemas(split: tuple[Path, list[str]]) -> None:
    work, names = split
    root_schema = json.loads((work / "out/schema/obs-codegen.spec.schema.json").read_text())
    include_schema = json.loads((work / "out/schema/obs-codegen.include.schema.json").read_text())
    jsonschema.validate(yaml.safe_load((work / "spec/observability.yaml").read_text()), root_schema)
    for n in names:
        jsonschema.validate(yaml.safe_load((work / "spec" / n).read_text()), include_schema)
    validator = jsonschema.Draft202012Validator(include_schema)
    for bad in ({"project": {"name": "x"}}, {"include": ["a.yaml"]}, {"logs": {"envelope": {}}}, {"version": 1}):
        assert not validator.is_valid(bad), bad  # negative controls: root-only sections
    shown = run_cli("schema", "--included")
    assert shown.returncode == 0 and json.loads(shown.stdout)["properties"].keys() == include_schema["properties"].keys()


def test_check_sees_an_edit_in_any_included_file(work: Path, split: tuple[Path, list[str]]) -> None:
    spec, out = Path("spec/observability.yaml"), Path("out")
    assert fast_check(spec, out), "the fast path vouches for an untouched multi-file spec"
    for n in split[1]:
        path = work / "spec" / n
        original = path.read_bytes()
        path.write_bytes(original + b"# an edit that changes no item\n")
        assert not fast_check(spec, out), n
        if n == split[1][-1]:
            done = run_cli("check", cwd=work)
            assert done.returncode == 1 and f"changed: out/spec/{n}" in done.stdout, done.stdout + done.stderr
        path.write_bytes(original)
    assert fast_check(spec, out)
    extra = work / "spec/services/9-extra.yaml"
    extra.write_text("services:\n  extra: {title: Extra, description: A new team's service.}\n", encoding="utf-8")
    assert not fast_check(spec, out), "a new file the glob matches is an input too"
    done = run_cli("check", cwd=work)
    assert done.returncode == 1 and "missing: out/spec/services/9-extra.yaml" in done.stdout, done.stdout
    extra.unlink()
    assert fast_check(spec, out), "without the new file the inputs are the generated ones again"


def test_fast_path_of_a_multi_file_spec_imports_no_heavy_library(work: Path) -> None:
    """cli/entry.py answers `check` on a fresh multi-file out/ before click, PyYAML or jsonschema is imported."""
    probe = ("import sys\nfrom pathlib import Path\nfrom obs_codegen.cli.entry import fast_check\n"
             "print(fast_check(Path('spec/observability.yaml'), Path('out')), sorted(m for m in ('click', 'jinja2', "
             "'grafanalib', 'jsonschema', 'yaml', 'typing', 'importlib.metadata') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=work, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "True []", done.stdout + done.stderr


def _git(work: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=work, check=True,
                   capture_output=True, timeout=60)


def test_diff_reads_a_multi_file_base_from_a_previous_out_and_a_revision(work: Path) -> None:
    same = run_cli("diff", "--against", "out", cwd=work)
    assert same.returncode == 0, same.stdout + same.stderr
    _git(work, "init", "-q")
    _git(work, "add", "spec")
    _git(work, "commit", "-qm", "base")
    next_file = work / "spec/services/1-next.yaml"
    doc = yaml.safe_load(next_file.read_text())
    doc["metrics"].pop("next.stream.disconnects")
    next_file.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    for base in ("HEAD", "out"):
        found = run_cli("diff", "--against", base, "--format", "json", cwd=work)
        assert found.returncode == 1, found.stdout + found.stderr
        assert "next.stream.disconnects" in found.stdout and "metric-removed" in found.stdout, found.stdout


# --- hostile includes --------------------------------------------------------------------------

ROOT_SPEC = """version: 1
project: {name: shop, metric_prefix: shop, environments: [prod]}
services:
  api: {description: The API.}
include: [%s]
"""


def _root(folder: Path, patterns: str) -> Path:
    (folder / "spec").mkdir(parents=True, exist_ok=True)
    root = folder / "spec" / "root.yaml"
    root.write_text(ROOT_SPEC % patterns, encoding="utf-8")
    return root


def _findings(root: Path, limits: Limits | None = None) -> list[tuple[str, int, int, str]]:
    compiled = compile_spec(root, "spec/root.yaml", **({"limits": limits} if limits else {}))
    return [(d.file, d.line, d.column, d.rule) for d in compiled.diagnostics]


def test_symlink_out_of_the_tree_is_an_escape(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text("services:\n  web: {description: Web.}\n")
    root = _root(tmp_path / "repo", '"teams/*.yaml", "linked/*.yaml"')
    teams = root.parent / "teams"
    teams.mkdir()
    (teams / "ok.yaml").write_text("services:\n  web: {description: Web.}\n")
    (teams / "inside.yaml").symlink_to(teams / "ok.yaml")  # a link inside the tree is followed...
    (teams / "zz.yaml").symlink_to(outside / "secret.yaml")  # ...one that leaves it is refused
    (root.parent / "linked").symlink_to(outside, target_is_directory=True)
    assert _findings(root) == [("spec/root.yaml", 5, 11, "spec-include-escape"),
                               ("spec/root.yaml", 5, 27, "spec-include-escape")]
    (teams / "zz.yaml").unlink()
    root.write_text(ROOT_SPEC % '"teams/*.yaml"')
    assert _findings(root) == []  # teams/inside.yaml is teams/ok.yaml: included once
    assert [rel for rel, _, _ in compile_spec(root, "spec/root.yaml").source.included] == ["teams/inside.yaml"]


def test_fifo_and_directory_are_not_files(tmp_path: Path) -> None:
    root = _root(tmp_path, '"teams/pipe.yaml", "teams", "teams/*"')
    teams = root.parent / "teams"
    (teams / "sub").mkdir(parents=True)
    os.mkfifo(teams / "pipe.yaml")  # read, it would block forever
    (teams / "web.yaml").write_text("services:\n  web: {description: Web.}\n")
    assert _findings(root) == [("spec/root.yaml", 5, 11, "spec-include-not-file"),
                               ("spec/root.yaml", 5, 30, "spec-include-not-file"),
                               ("spec/root.yaml", 5, 39, "spec-include-not-file")]  # teams/* matches the FIFO


def test_a_fan_out_over_the_file_limit_stops_cleanly(tmp_path: Path) -> None:
    root = _root(tmp_path, '"many/*.yaml"')
    many = root.parent / "many"
    many.mkdir()
    for i in range(MAX_INCLUDED_FILES + 1):
        (many / f"{i:04}.yaml").write_text(f"services:\n  s{i}: {{description: S.}}\n")
    found = _findings(root)
    assert found == [("spec/root.yaml", 5, 11, "spec-too-large")]


def test_limits_apply_to_all_files_together(tmp_path: Path) -> None:
    root = _root(tmp_path, '"teams/*.yaml"')
    teams = root.parent / "teams"
    teams.mkdir()
    body = "".join(f"  s{i}: {{description: Service {i}.}}\n" for i in range(40))
    for name in ("a", "b"):
        (teams / f"{name}.yaml").write_text("services:\n" + body.replace("  s", f"  {name}"))
    assert _findings(root) == []
    size = len(root.read_bytes()) + len((teams / "a.yaml").read_bytes()) + 10
    assert _findings(root, Limits(spec_bytes=size)) == [("spec/root.yaml", 5, 11, "spec-too-large")]
    nodes = _findings(root, Limits(nodes=200))
    assert nodes and {f[3] for f in nodes} == {"spec-too-large"}, nodes


def test_globs_skip_the_root_and_hidden_directories(tmp_path: Path) -> None:
    root = _root(tmp_path, '"*.yaml", "**/*.yaml"')
    (root.parent / "web.yaml").write_text("services:\n  web: {description: Web.}\n")
    (root.parent / "deep" / "er").mkdir(parents=True)
    (root.parent / "deep" / "er" / "db.yaml").write_text("services:\n  db: {description: DB.}\n")
    (root.parent / ".hidden").mkdir()
    (root.parent / ".hidden" / "x.yaml").write_text("not: [valid\n")
    (root.parent / "out" / "spec").mkdir(parents=True)  # an obs-codegen out/ beside the spec: its copies are not specs
    (root.parent / "out" / ".obs-codegen-manifest.json").write_text("{}")
    (root.parent / "out" / "spec" / "web.yaml").write_text("services:\n  web: {description: Web.}\n")
    compiled = compile_spec(root, "spec/root.yaml")
    assert compiled.ok, [d.text() for d in compiled.diagnostics]
    assert [rel for rel, _, _ in compiled.source.included] == ["web.yaml", "deep/er/db.yaml"]
    assert [s.name for s in compiled.model.services] == ["api", "web", "db"]  # root first, then file order


def test_resolver_and_lint_findings_name_the_included_file(split: tuple[Path, list[str]], tmp_path: Path) -> None:
    spec = tmp_path / "spec"
    shutil.copytree(split[0] / "spec", spec)
    py = spec / "services/2-py.yaml"
    py.write_text(py.read_text().replace("    - http\n", "    - htp\n", 1))  # an unknown tag: the resolver
    convex = spec / "services/3-convex.yaml"
    convex.write_text(convex.read_text().replace("unit: ms", "unit: s", 1))  # a lint rule
    found = [(d.file, d.line, d.column, d.rule) for d in compile_spec(spec / "observability.yaml",
                                                                      "spec/observability.yaml").diagnostics]
    line_py = py.read_text().splitlines().index("    - htp") + 1
    line_convex = next(i for i, text in enumerate(convex.read_text().splitlines(), 1) if text == "    unit: s")
    assert found == [("spec/services/2-py.yaml", line_py, 7, "ref-unknown-tag"),
                     ("spec/services/3-convex.yaml", line_convex, 11, "metric-unit-suffix")]
