"""Consumer checks that need no external program, run in the harness on each generated tree.

Per file: valid UTF-8; JSON that a strict parser accepts (no NaN, no duplicate keys); YAML that
PyYAML's safe loader accepts; TOML that tomllib accepts; Python source that compiles (what
py_compile does) without a warning (an invalid escape sequence warns today and fails in a
future Python); log schemas that are valid Draft 2020-12 schemas (Python jsonschema, formats
checked). Per tree: portable file names (no control characters or shell-hostile bytes, no two
names equal but for case), a Python package whose name is an importable identifier that does
not shadow the standard library, and a pyproject.toml / package.json whose names the packaging
tools accept and that name the package actually generated.
"""

from __future__ import annotations

import hashlib
import json
import keyword
import re
import sys
import warnings
from collections.abc import Mapping

import tomllib
import yaml

Files = Mapping[str, bytes]

PORTABLE = re.compile(r"[A-Za-z0-9_@][A-Za-z0-9._@-]*")
PEP508_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")
NPM_NAME = re.compile(r"(@[a-z0-9-~][a-z0-9-._~]*/)?[a-z0-9-~][a-z0-9-._~]*")


def _strict_json(data: str) -> object:
    def no_constants(name: str) -> object:
        raise ValueError(f"{name} is not JSON")

    def no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
        keys = [k for k, _ in pairs]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"duplicate key {dupes[0]!r}")
        return dict(pairs)

    return json.loads(data, parse_constant=no_constants, object_pairs_hook=no_duplicates)


def file_problems(path: str, data: bytes) -> list[str]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [f"utf-8: {path} is not valid UTF-8 ({exc.reason} at byte {exc.start})"]
    name = path.rsplit("/", 1)[-1]
    try:
        if name.endswith(".json"):
            doc = _strict_json(text)
            if name.endswith(".schema.json"):
                return _schema_problems(path, doc)
        elif name.endswith((".yml", ".yaml")):
            yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml: a strict YAML 1.1 parser
        elif name.endswith(".toml"):
            tomllib.loads(text)
        elif name.endswith(".py"):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                compile(data, path, "exec", dont_inherit=True)
            if caught:  # invalid escapes are a DeprecationWarning in 3.11, a SyntaxWarning in 3.12, errors later
                return [f"py_compile: {name}: {caught[0].category.__name__}: {str(caught[0].message)[:200]}"]
    except SyntaxError as exc:
        return [f"py_compile: {name}: {exc.msg} (line {exc.lineno})"]
    except (ValueError, yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        kind = {"json": "json", "yml": "yaml", "yaml": "yaml", "toml": "toml"}[name.rsplit(".", 1)[-1]]
        return [f"{kind}: {name} does not parse: {str(exc).splitlines()[0][:200]}"]
    return []


def _schema_problems(path: str, doc: object) -> list[str]:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(doc)  # type: ignore[arg-type]
    except SchemaError as exc:
        return [f"jsonschema: {path.rsplit('/', 1)[-1]} is not a valid schema: {exc.message[:200]}"]
    return []


def tree_problems(files: Files) -> list[str]:
    problems: list[str] = []
    folded: dict[str, str] = {}
    for path in sorted(files):
        bad = [part for part in path.split("/") if not PORTABLE.fullmatch(part)]
        if bad:
            problems.append(f"paths: {bad[0]!r} is not a portable file name")
        if path.lower() in folded:
            problems.append(f"paths: {folded[path.lower()]!r} and {path!r} differ only in case")
        folded[path.lower()] = path
        problems += _cached_file_problems(path, files[path])
    problems += _python_package(files) + _npm_package(files)
    return problems


_CACHE: dict[tuple[str, str], list[str]] = {}


def _cached_file_problems(path: str, data: bytes) -> list[str]:
    """file_problems, once per distinct (path, content): most cases share most files."""
    key = (path, hashlib.sha256(data).hexdigest())
    if key not in _CACHE:
        _CACHE[key] = file_problems(path, data)
    return list(_CACHE[key])


def python_packages(files: Files) -> list[str]:
    """Top-level package directories under python/ (those holding an __init__.py)."""
    return sorted({p.split("/")[1] for p in files if p.startswith("python/") and p.count("/") == 2
                   and p.endswith("/__init__.py")})


def _python_package(files: Files) -> list[str]:
    problems = []
    packages = python_packages(files)
    for name in packages:
        if not name.isidentifier() or keyword.iskeyword(name):
            problems.append(f"python package: {name!r} is not an importable name")
        if name in sys.stdlib_module_names or name in sys.builtin_module_names:
            problems.append(f"python package: {name!r} shadows the standard library module of that name")
    if "python/pyproject.toml" in files:
        try:
            doc = tomllib.loads(files["python/pyproject.toml"].decode("utf-8"))
            project_name = doc["project"]["name"]
            listed = doc["tool"]["setuptools"]["packages"]
        except (UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError):
            return problems  # reported by file_problems, or a different layout
        if not isinstance(project_name, str) or not PEP508_NAME.fullmatch(project_name):
            problems.append(f"pyproject: project.name {project_name!r} is not a valid distribution name")
        if listed != packages:
            problems.append(f"pyproject: tool.setuptools.packages {listed!r} is not the generated package {packages!r}")
    return problems


def _npm_package(files: Files) -> list[str]:
    data = files.get("typescript/package.json")
    if data is None:
        return []
    try:
        doc = json.loads(data)
    except ValueError:
        return []  # reported by file_problems
    name = doc.get("name") if isinstance(doc, dict) else None
    if not isinstance(name, str) or len(name) > 214 or not NPM_NAME.fullmatch(name):
        return [f"package.json: name {name!r} is not a valid npm package name"]
    return []
