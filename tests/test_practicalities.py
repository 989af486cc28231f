"""Installing next to an application, and GitHub annotations (issue 16, item 8).

Dependency ranges are checked offline: every runtime dependency is a range; the output-shaping
ones allow exactly the versions scripts/prove_dependency_ranges.py proved (output/fresh.py
PROVEN_VERSIONS, which also keeps the manifest identical across them); the newest release of each
library at the time of writing, and the versions installed here, satisfy the ranges. The proof
itself (install each version, generate, compare) needs PyPI, so it is a script, not a test.
"""

from __future__ import annotations

import re
from importlib.metadata import version

import tomllib
from conftest import ROOT
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from obs_codegen.diagnostics import Diagnostic, render
from obs_codegen.output import fresh

# The newest release on PyPI when the ranges were last proven (2026-12-02). An application that
# holds these must be able to `pip install obs-codegen` (the ResolutionImpossible).
NEWEST = {"click": "8.5.1", "jsonschema": "4.26.0", "jinja2": "3.1.6", "pyyaml": "6.0.4",
          "promql-parser": "0.12.0", "jsonschema-rs": "0.61.2", "orjson": "3.13.0"}


def runtime_requirements() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    return {r.name.lower(): r for r in reqs}


def test_runtime_dependencies_are_ranges_not_pins() -> None:
    reqs = runtime_requirements()
    assert set(reqs) == set(NEWEST)
    for name, req in reqs.items():
        if len(fresh.PROVEN_VERSIONS.get(name, ())) == 1:
            continue  # a shaping library proven at one version only (promql-parser): the next test checks the pin
        assert not any(s.operator in ("==", "===") for s in req.specifier), f"{name} is pinned: {req}"
        assert any(s.operator in ("<", "<=") for s in req.specifier), f"{name} has no upper bound: {req}"


def test_the_newest_and_the_installed_versions_satisfy_the_ranges() -> None:
    for name, req in runtime_requirements().items():
        assert req.specifier.contains(NEWEST[name]), f"{name} {NEWEST[name]} is outside {req.specifier}"
        installed = version(name)
        assert req.specifier.contains(installed), f"installed {name} {installed} is outside {req.specifier}"


def test_shaping_libraries_allow_exactly_the_proven_versions() -> None:
    reqs = runtime_requirements()
    assert set(fresh.PROVEN_VERSIONS) == set(fresh.SHAPING_LIBRARIES)
    for name, proven in fresh.PROVEN_VERSIONS.items():
        spec: SpecifierSet = reqs[name].specifier
        versions = sorted(Version(v) for v in proven)
        assert all(spec.contains(v) for v in proven), (name, spec, proven)
        low, high = versions[0], versions[-1]
        allowed = SpecifierSet(f"=={low}") if low == high else SpecifierSet(f">={low},<={high}")
        assert spec == allowed, f"{name}: {spec} is not the proven set {proven}"
        # negative controls: the next patch release and the one before the lowest are not allowed
        assert not spec.contains(f"{high.major}.{high.minor}.{high.micro + 1}")


def test_the_manifest_names_the_proven_range_not_the_exact_version() -> None:
    stamp = fresh.library_versions()
    for name, proven in fresh.PROVEN_VERSIONS.items():
        if version(name) in proven:
            assert f"{name}={'|'.join(proven)}" in stamp.split(","), stamp
    assert re.fullmatch(r"[a-z0-9-]+=[^,]+(,[a-z0-9-]+=[^,]+)*", stamp)


def test_github_annotations_escape_per_the_workflow_command_rules() -> None:
    d = Diagnostic("spec/a:b,c%.yaml", 3, 7, "spec-x", "error", "50% of x,y: one\r\ntwo\x07")
    line = d.github()
    assert line == ("::error file=spec/a%3Ab%2Cc%25.yaml,line=3,col=7,title=spec-x::"
                    "50%25 of x,y: one%0D%0Atwo\\x07")
    assert "\n" not in line and "\r" not in line  # a message can never forge a second command
    warning = Diagnostic("f", 1, 1, "r:x,y", "warning", "%0A is text, not a newline").github()
    assert warning == "::warning file=f,line=1,col=1,title=r%3Ax%2Cy::%250A is text, not a newline"
    assert render([d], "github").splitlines() == [line]
