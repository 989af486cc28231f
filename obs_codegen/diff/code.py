"""Change rules for the generated code (category `code`): public names of the TypeScript and Python packages.

Services import the generated packages; a name that disappears from them (a metric constant, a
recording method, a header constant, a log event type) breaks their build or their import. The
check renders the code backends of both specs, only when the spec's names differ at all (an
unchanged or reformatted spec costs nothing here), and compares the public names per module:
Python top-level names and the public members of top-level classes (read with `ast`), TypeScript
`export`ed declarations.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import PurePosixPath

from ..spec.model import Model, Pos
from .lifecycle import retired
from .registry import Change, Pair, change_rule

_TS_EXPORT = re.compile(r"^export\s+(?:declare\s+)?(?:async\s+)?(?:const|let|function\*?|type|interface|class|enum)\s+"
                        r"([A-Za-z_$][A-Za-z0-9_$]*)", re.MULTILINE)


def _names(model: Model) -> frozenset[str]:
    """Every spec name a generated identifier can derive from: when these agree, so does the public API."""
    out = {f"m:{m.key}:{m.type}:{m.renamed_from}" for m in model.metrics} | {f"s:{s.name}" for s in model.services}
    out |= {f"t:{t.name}:{t.kind}:{','.join(t.values)}" for t in model.tags} | {f"h:{h.name}" for h in model.headers}
    out |= {f"e:{e.key}:{','.join(f.name for f in e.fields)}" for e in model.logs.events}
    out |= {f"o:{o.name}:{','.join(f.name for f in o.fields)}" for o in model.logs.objects}
    out |= {f"v:{f.name}" for f in model.logs.envelope} | {f"p:{model.project.python_package}"}
    return frozenset(out | {f"n:{model.project.typescript_package}"})


def _python(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    out: set[str] = set()
    for node in tree.body:
        for name in _bound(node):
            out.add(name)
            if isinstance(node, ast.ClassDef):
                out |= {f"{name}.{member}" for child in node.body for member in _bound(child)}
    return {n for n in out if not any(part.startswith("_") for part in n.split("."))}


def _bound(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    return []


def public_api(model: Model) -> dict[str, set[str]]:
    """Module (`python coachup_obs.metrics`, `typescript metrics`) -> its public names."""
    from ..backends import render_all

    api: dict[str, set[str]] = {}
    for path, data in render_all(model, only=["python", "typescript"]).items():
        text = data.decode("utf-8", "replace")
        if path.suffix == ".py":
            module = ".".join(PurePosixPath(*path.parts[1:]).with_suffix("").parts).removesuffix(".__init__")
            api[f"python {module}"] = _python(text)
        elif path.suffix == ".ts":  # sources, or declaration files beside plain JavaScript
            stem = path.name.removesuffix(".d.ts").removesuffix(".ts")
            api.setdefault(f"typescript {stem}", set()).update(_TS_EXPORT.findall(text))
    return api


@change_rule("code-name-removed", "code", "error",
             "A public name of the generated TypeScript or Python package is gone: code that imports it breaks.")
def _code_names(pair: Pair) -> Iterator[Change]:
    if _names(pair.old) == _names(pair.new):
        return
    old, new = public_api(pair.old), public_api(pair.new)
    # Names that go only because a deprecated metric or header was removed after its remove_after date are
    # expected (info): the base without those items says which; every other name that goes breaks (error).
    gone_items = retired(pair)
    base = public_api(without(pair.old, gone_items)) if gone_items else old
    here = Pos(pair.new.spec_path, 1, 1)
    packages = {"python": (pair.old.project.python_package, pair.new.project.python_package),
                "typescript": (pair.old.project.typescript_package, pair.new.project.typescript_package)}
    for language in ("python", "typescript"):
        before, after = packages[language]
        if before != after:
            yield Change(here, "code-name-removed", language,
                         f"the generated {language} package '{before}' is now '{after}': every import of it breaks")
            continue
        unexpected = _gone(language, base, new)
        expected = [n for n in _gone(language, old, new) if n not in unexpected]
        if unexpected:
            yield Change(here, "code-name-removed", language,
                         f"the generated {language} package no longer exports {_shown(unexpected)}: code that uses "
                         "them stops compiling or importing")
        if expected:
            yield Change(here, "code-name-removed", language,
                         f"the generated {language} package no longer exports {_shown(expected)} (expected: they "
                         "belong to deprecated items removed after their remove_after date)", severity="info")


def _gone(language: str, old: dict[str, set[str]], new: dict[str, set[str]]) -> list[str]:
    return [f"{module.split(' ', 1)[1]}.{name}" if language == "python" else f"{name} ({module.split(' ', 1)[1]})"
            for module in sorted(old) if module.startswith(language + " ")
            for name in sorted(old[module] - new.get(module, set()))]


def _shown(names: list[str]) -> str:
    return ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")


def without(model: Model, items: frozenset[str]) -> Model:
    """`model` without the metrics (`m:<key>`) and headers (`h:<name>`) named in `items`."""
    return replace(model, metrics=tuple(m for m in model.metrics if f"m:{m.key}" not in items),
                   headers=tuple(h for h in model.headers if f"h:{h.name}" not in items))
